import type { Pool } from 'pg';
import { maskCredentials, urlSecrets } from './mask-credentials.js';

export interface ConnectedPostgres {
  pool: Pool;
  close(): Promise<void>;
}

/** Why `url` cannot be used (not a URL, not `postgres:` / `postgresql:`), password masked; undefined when it can. */
export function invalidPostgresUrl(url: string): string | undefined {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    return `not a valid URL: ${maskCredentials(url, urlSecrets(url))}`;
  }
  if (protocol !== 'postgres:' && protocol !== 'postgresql:')
    return `expected a postgres:// or postgresql:// URL, got ${maskCredentials(url, urlSecrets(url))}`;
  return undefined;
}

/**
 * A small pool checked with one query, so an unreachable server is reported at once. Failures
 * never show the URL's password, whatever the client says.
 */
export async function connectPostgres(url: string): Promise<ConnectedPostgres> {
  const secrets = urlSecrets(url);
  // Imported here, not at the top: Redis deployments and `--help` never load the client.
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 5_000 });
  // An idle client's error (server restart) must not crash the command: the next query reports it.
  pool.on('error', () => {});
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => {});
    const reason = maskCredentials((error as Error)?.message ?? String(error), secrets);
    // No `cause`: the client's error may carry the parsed options, password included.
    throw new Error(`cannot connect to ${maskCredentials(url, secrets)}: ${reason}`);
  }
  return { pool, close: () => pool.end().catch(() => {}) };
}
