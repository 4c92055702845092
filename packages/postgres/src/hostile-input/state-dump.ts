import type pg from 'pg';

/**
 * Every row of every table of `schema`, by table, rows in a fixed order: the Postgres counterpart of
 * the Redis suite's key dump, compared before and after a rejected call. One round trip. Sequences
 * are left out: a statement that failed may have drawn a number without writing anything.
 */
export async function dumpTables(pool: pg.Pool, schema: string): Promise<Record<string, unknown>> {
  const { rows: tables } = await pool.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY c.relname`,
    [schema],
  );
  if (tables.length === 0) return {};
  // Table names come from the catalog of a validated schema; quoted, never parameters (they cannot be).
  const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
  const text = tables
    .map(
      ({ name }, index) =>
        `SELECT ${index} AS position, coalesce(jsonb_agg(to_jsonb(row) ORDER BY to_jsonb(row)::text), '[]') AS rows
           FROM ${quote(schema)}.${quote(name)} AS row`,
    )
    .join(' UNION ALL ');
  const { rows } = await pool.query<{ position: number; rows: unknown[] }>(text);
  return Object.fromEntries(rows.map((row) => [tables[row.position]!.name, row.rows]));
}
