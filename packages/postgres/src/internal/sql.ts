import { BackendUnavailableError, InvalidInputError, TristackError } from '@tristack/core';
import type { Pool, PoolClient, QueryResultRow } from 'pg';
import { isNulInJson, refuseNulText } from './nul-text.js';
import { schemaIdentifier } from './schema-identifier.js';

/** A pool or one checked-out client: both run `query`. */
export type Queryable = Pick<Pool | PoolClient, 'query'>;

/** `"name"`: an identifier quoted for SQL text (only ever applied to validated schema names and constants). */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * One statement of a driver, prepared once per connection: `name` makes node-postgres reuse the
 * server-side plan (parse once per connection, not per call). The text is built once per driver
 * instance with the schema in it; the name carries a digest of the schema too (`schemaIdentifier`),
 * since two schemas share a connection when they share a pool and names are cut at 63 bytes.
 */
export interface Statement {
  readonly name: string;
  readonly text: string;
  /** What error messages call it (`lease.acquire`); default: `name`. */
  readonly what?: string;
}

/** Builds a named statement; `sql` receives the quoted schema, e.g. `"tristack"`. */
export function statement(name: string, schema: string, sql: (schema: string) => string): Statement {
  return { name: schemaIdentifier(schema, name), text: sql(quoteIdentifier(schema)), what: name };
}

/**
 * Runs one statement: one round trip. Every failure (unreachable server, dropped connection, a
 * missing table because `migrate()` did not run, a server error) becomes `BackendUnavailableError`,
 * so callers see one error type whatever the store did.
 */
export async function runStatement<Row extends QueryResultRow = QueryResultRow>(
  target: Queryable,
  statementToRun: Statement,
  values: readonly unknown[],
): Promise<Row[]> {
  const what = statementToRun.what ?? statementToRun.name;
  refuseNulText(values, what);
  try {
    const result = await target.query<Row>({
      name: statementToRun.name,
      text: statementToRun.text,
      values: values as unknown[],
    });
    return result.rows;
  } catch (error) {
    if (isNulInJson(error)) {
      const message = `${what}: a JSON value holds U+0000 (NUL), which PostgreSQL jsonb cannot store`;
      throw new InvalidInputError(message, { driver: 'postgres', cause: error });
    }
    throw toBackendError(error, what);
  }
}

/** Maps anything node-postgres threw to `BackendUnavailableError` (kept when it already is a Tristack error). */
export function toBackendError(error: unknown, what: string): TristackError {
  if (TristackError.isInstance(error)) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const message = withoutTristackPrefix(error instanceof Error ? error.message : String(error));
  // 42P01 undefined_table / 3F000 invalid_schema_name: the schema was never migrated.
  const hint =
    code === '42P01' || code === '3F000' || code === '42883'
      ? ' (did `migrate(pool)` run for this schema?)'
      : '';
  return new BackendUnavailableError(`${what} failed: ${message}${hint}`, {
    driver: 'postgres',
    cause: error,
  });
}

/**
 * A Tristack error that lost its class on the way (cloned across a worker or process boundary, or
 * re-thrown as a plain `Error` by a library) still carries `[tristack] [<driver>] ` in its message;
 * the new error adds its own prefix, so the old one goes.
 */
function withoutTristackPrefix(message: string): string {
  return message.replace(/^(?:\[tristack\](?: \[[^\]]+\])? )+/, '');
}
