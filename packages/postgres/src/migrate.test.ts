import { BackendUnavailableError, InvalidOptionsError } from '@tristack/core';
import { requiresPostgres, usePostgres } from '@tristack/testing/postgres';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { migrate } from './migrate.js';
import { SCHEMA_PARTS } from './internal/schema-parts.js';

describe.runIf(requiresPostgres('migrate()'))('migrate', () => {
  const postgres = usePostgres();

  it('applies every version once, then nothing', async () => {
    const first = await migrate(postgres.pool, { schema: 'migrate_once' });
    expect(first.applied.length).toBe(SCHEMA_PARTS.reduce((sum, part) => sum + part.versions.length, 0));
    const second = await migrate(postgres.pool, { schema: 'migrate_once' });
    expect(second.applied).toEqual([]);
    const { rows } = await postgres.pool.query<{ primitive: string; version: number }>(
      'SELECT primitive, version FROM migrate_once.schema_versions ORDER BY primitive',
    );
    expect(rows).toEqual(
      SCHEMA_PARTS.map((part) => ({ primitive: part.primitive, version: part.versions.length })).sort(
        (left, right) => left.primitive.localeCompare(right.primitive),
      ),
    );
  });

  it('lets concurrent processes migrate one schema: each version applied exactly once', async () => {
    const pools = [postgres.newPool(), postgres.newPool(), postgres.newPool()];
    const results = await Promise.all(pools.map((pool) => migrate(pool, { schema: 'migrate_racing' })));
    const applied = results.flatMap((result) => result.applied);
    expect(applied.length).toBe(SCHEMA_PARTS.reduce((sum, part) => sum + part.versions.length, 0));
  });

  it('refuses a schema name that is not a plain identifier, touching nothing', async () => {
    await expect(migrate(postgres.pool, { schema: 'x"; DROP TABLE y; --' })).rejects.toBeInstanceOf(
      InvalidOptionsError,
    );
    await expect(migrate(postgres.pool, { primitives: ['no-such-primitive'] })).rejects.toBeInstanceOf(
      InvalidOptionsError,
    );
  });

  it('reports an unreachable server as BackendUnavailableError', async () => {
    const pool = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/postgres', max: 1 });
    try {
      await expect(migrate(pool)).rejects.toBeInstanceOf(BackendUnavailableError);
    } finally {
      await pool.end();
    }
  });
});
