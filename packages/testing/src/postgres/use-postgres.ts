import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { postgresServer, type PostgresServer } from './server.js';

export interface PostgresTestContext {
  /** A pool on this test file's own database (ended after the file). */
  readonly pool: pg.Pool;
  /** Connection string of this file's database. */
  readonly url: string;
  /** The database's name (`tristack_test_<random>`). */
  readonly database: string;
  readonly server: PostgresServer;
  /** Another pool on the same database (ended after the file), e.g. a second "process". */
  newPool(options?: pg.PoolConfig): pg.Pool;
}

/** `url` with its database replaced by `database`. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/**
 * Registers hooks that give this test file its own fresh database on the run's server
 * (`DATABASE_URL` when set, else the throwaway cluster), dropped after the file. Call once at the
 * top level of a test file; read the context's fields inside tests or hooks.
 */
export function usePostgres(): PostgresTestContext {
  let server: PostgresServer | undefined;
  let url: string | undefined;
  let pool: pg.Pool | undefined;
  const pools: pg.Pool[] = [];
  const database = `tristack_test_${randomBytes(6).toString('hex')}`;

  const ready = <T>(value: T | undefined): T => {
    if (value === undefined)
      throw new Error('[tristack] [harness] usePostgres(): read the context inside a test or hook');
    return value;
  };
  const newPool = (options: pg.PoolConfig = {}): pg.Pool => {
    const created = new pg.Pool({ connectionString: ready(url), max: 10, ...options });
    created.on('error', () => undefined); // an idle client dropped by the server is not a test failure
    pools.push(created);
    return created;
  };

  beforeAll(async () => {
    server = await postgresServer();
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE "${database}"`);
    } finally {
      await admin.end();
    }
    url = withDatabase(server.url, database);
    pool = newPool();
  });

  afterAll(async () => {
    await Promise.all(pools.splice(0).map((each) => each.end().catch(() => undefined)));
    if (!server) return;
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  });

  return {
    get pool() {
      return ready(pool);
    },
    get url() {
      return ready(url);
    },
    get server() {
      return ready(server);
    },
    database,
    newPool,
  };
}
