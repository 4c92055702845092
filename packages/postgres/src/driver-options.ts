import { InvalidOptionsError } from '@tristack/core';
import type { Pool } from 'pg';

/** Options every Postgres driver takes besides its primitive's own. */
export interface PostgresDriverOptions {
  /** The caller's `pg.Pool`. Never ended by a driver. */
  pool: Pool;
  /**
   * The schema that holds the tables `migrate()` created (the same value both places).
   * @default 'tristack'
   */
  schema?: string;
}

export const DEFAULT_SCHEMA = 'tristack';

/**
 * A schema name is written into SQL text (it cannot be a bind parameter), so it is restricted to
 * plain lower-case identifiers, and quoted besides.
 */
export const SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;
export const SCHEMA_RULE = '1-63 characters from a-z 0-9 _, not starting with a digit';

/** Throws `InvalidOptionsError` unless `schema` is a valid schema name; returns it. */
export function validateSchemaName(schema: unknown, what: string): string {
  if (typeof schema !== 'string' || !SCHEMA_PATTERN.test(schema))
    throw new InvalidOptionsError(`invalid ${what} options: schema: ${SCHEMA_RULE}`, { driver: 'postgres' });
  return schema;
}

function isPool(value: unknown): value is Pool {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Pool).query === 'function' &&
    typeof (value as Pool).connect === 'function'
  );
}

/**
 * Splits a Postgres driver's options into its pool, its validated schema and the rest (the
 * primitive's options, for the core schema). Throws `InvalidOptionsError`.
 */
export function splitPostgresDriverOptions<Options extends PostgresDriverOptions>(
  options: Options,
  what: string,
): { pool: Pool; schema: string; rest: Omit<Options, 'pool' | 'schema'> } {
  if (typeof options !== 'object' || options === null)
    throw new InvalidOptionsError(`invalid ${what} options: expected an object`, { driver: 'postgres' });
  const { pool, schema = DEFAULT_SCHEMA, ...rest } = options;
  if (!isPool(pool))
    throw new InvalidOptionsError(`invalid ${what} options: pool: expected a pg.Pool`, {
      driver: 'postgres',
    });
  return { pool, schema: validateSchemaName(schema, what), rest };
}
