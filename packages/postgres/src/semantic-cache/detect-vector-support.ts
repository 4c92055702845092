import type { Pool } from 'pg';
import { runStatement, statement } from '../internal/sql.js';

/** Why `PostgresSemanticCache` has no semantic tier. */
export const EXACT_TIER_ONLY =
  'exact tier only: this driver keeps no vectors (pgvector is not in Debian 12’s archive, and the ' +
  'driver does not use it yet); use RedisSemanticCache for semantic hits';

/** What the server offers for a vector tier. */
export interface PostgresVectorSupport {
  /** `pgvector <version> (installed)`, `pgvector <version> (available, not installed)` or `none`. */
  readonly supported: string;
  /** The `vector` extension's installed version, when it is installed in this database. */
  readonly installedVersion?: string;
  /** The version the server could install (`CREATE EXTENSION vector`), when its files are present. */
  readonly availableVersion?: string;
}

const detect = statement(
  'semantic-cache.detect-vector',
  'pg_catalog',
  () => `SELECT default_version, installed_version FROM pg_available_extensions WHERE name = 'vector'`,
);

/**
 * Whether the server has the `vector` extension (pgvector), installed or installable. One query
 * of `pg_available_extensions`; reads only. `PostgresSemanticCache` reports it in its inspection
 * and keeps its semantic tier off either way.
 */
export async function detectPostgresVectorSupport(pool: Pick<Pool, 'query'>): Promise<PostgresVectorSupport> {
  const [row] = await runStatement<{ default_version: string | null; installed_version: string | null }>(
    pool,
    detect,
    [],
  );
  if (!row) return { supported: 'none' };
  if (row.installed_version)
    return {
      supported: `pgvector ${row.installed_version} (installed)`,
      installedVersion: row.installed_version,
      ...(row.default_version ? { availableVersion: row.default_version } : {}),
    };
  return {
    supported: `pgvector ${row.default_version} (available, not installed)`,
    ...(row.default_version ? { availableVersion: row.default_version } : {}),
  };
}
