import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { requiresPostgres, usePostgres, withDatabase } from './index.js';

describe.runIf(requiresPostgres('the Postgres test harness'))('usePostgres', () => {
  const postgres = usePostgres();

  it('gives the file its own fresh database', async () => {
    const { rows } = await postgres.pool.query<{ name: string }>('SELECT current_database() AS name');
    expect(rows[0]?.name).toBe(postgres.database);
    const tables = await postgres.pool.query(
      "SELECT 1 FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')",
    );
    expect(tables.rowCount).toBe(0);
  });

  it('keeps what one database holds out of another', async () => {
    await postgres.pool.query('CREATE TABLE harness_probe (id integer)');
    const other = new pg.Client({ connectionString: withDatabase(postgres.server.url, 'postgres') });
    await other.connect();
    try {
      const { rowCount } = await other.query("SELECT 1 FROM pg_tables WHERE tablename = 'harness_probe'");
      expect(rowCount).toBe(0);
    } finally {
      await other.end();
    }
  });

  it('shares the database between pools of the file', async () => {
    const second = postgres.newPool();
    await postgres.pool.query('CREATE TABLE shared_probe (id integer)');
    await postgres.pool.query('INSERT INTO shared_probe VALUES (7)');
    const { rows } = await second.query<{ id: number }>('SELECT id FROM shared_probe');
    expect(rows).toEqual([{ id: 7 }]);
  });
});

describe('withDatabase', () => {
  it('replaces only the database of a connection string', () => {
    expect(withDatabase('postgres://user:secret@db.example:6543/app?sslmode=require', 'other')).toBe(
      'postgres://user:secret@db.example:6543/other?sslmode=require',
    );
  });
});
