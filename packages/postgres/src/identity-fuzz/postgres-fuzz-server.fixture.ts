// The Postgres side of the identity fuzz: a FuzzServer on the file's own database (`usePostgres`),
// and a schema of its own per fuzzed API (migrated on first use), so one API's ids never meet
// another's rows.
import type { FuzzServer, FuzzTarget } from '@tristack/testing/hostile-input';
import { usePostgres } from '@tristack/testing/postgres';
import type pg from 'pg';
import { beforeAll } from 'vitest';
import { migrate } from '../migrate.js';

/** A fuzz target whose drivers are built on a `pg.Pool`. */
export type PostgresFuzzTarget = FuzzTarget<pg.Pool>;

/**
 * Ids per API and calls in flight. A call is a round trip to a server shared with other test
 * workers: fewer ids than on Redis, so the whole file runs in about a minute.
 */
const LOAD = { count: 500, concurrency: 16 } as const;

/** Registers `usePostgres()`'s hooks: call at the top level of the file or its describe block. */
export function postgresFuzzServer(): FuzzServer<pg.Pool> {
  const postgres = usePostgres();
  let pool: pg.Pool | undefined;
  let version = '?';
  beforeAll(async () => {
    // More connections than calls in flight: broadcast and the breaker each hold one to LISTEN.
    pool = postgres.newPool({ max: LOAD.concurrency + 4 });
    const { rows } = await pool.query<{ server_version: string }>('SHOW server_version');
    version = rows[0]?.server_version ?? '?';
  });
  return {
    name: 'PostgreSQL',
    get detail() {
      return `PostgreSQL ${version} (${postgres.server.source})`;
    },
    promise: 'each hostile id sees only its own data',
    load: LOAD,
    target: () => ({ client: pool!, prefix: 'fuzz' }),
  };
}

/**
 * The schema of `api` (`fuzz_<api>`, cut to a valid schema name), with `primitive`'s tables
 * migrated into it.
 */
export async function schemaFor(target: PostgresFuzzTarget, api: string, primitive: string): Promise<string> {
  const schema = `${target.prefix}_${api.toLowerCase().replace(/[^a-z0-9]+/g, '_')}`.slice(0, 63);
  await migrate(target.client, { schema, primitives: [primitive] });
  return schema;
}
