import { InvalidOptionsError } from '@tristack/core';
import type { Pool } from 'pg';
import { DEFAULT_SCHEMA, validateSchemaName } from './driver-options.js';
import type { PostgresSchemaPart } from './internal/schema-part.js';
import { SCHEMA_PARTS } from './internal/schema-parts.js';
import { quoteIdentifier, toBackendError } from './internal/sql.js';

/** Options of `migrate()`. */
export interface MigrateOptions {
  /**
   * The schema to create and bring up to date (the drivers' `schema` option).
   * @default 'tristack'
   */
  schema?: string;
  /** Only these primitives (`'lease'`, `'rate-limiter'`, …); default: every primitive of the package. */
  primitives?: readonly string[];
}

/** What `migrate()` did. */
export interface MigrateResult {
  /** The versions this call applied, in order (empty when the schema was up to date). */
  applied: { primitive: string; version: number }[];
}

// Key of the advisory lock `migrate()` holds: a fixed 32-bit class id plus the schema's hash, so two
// processes migrating one schema take turns, and different schemas do not wait for each other.
const MIGRATE_LOCK_CLASS = 0x7472_6973; // 'tris'

/**
 * Creates the schema and brings every primitive's tables to the newest version this package knows.
 * Idempotent and safe to run from every process at start-up: one transaction under one advisory
 * lock, and a version table (`<schema>.schema_versions`) records what is applied. DDL is
 * transactional in PostgreSQL, so a failure leaves the schema as it was. Throws
 * `BackendUnavailableError` when the server cannot be reached or refuses a statement, and when the
 * schema is newer than this package (downgrades are not supported).
 */
export async function migrate(pool: Pool, options: MigrateOptions = {}): Promise<MigrateResult> {
  const schemaName = validateSchemaName(options.schema ?? DEFAULT_SCHEMA, 'migrate');
  const parts = selectParts(options.primitives);
  const schema = quoteIdentifier(schemaName);
  const applied: MigrateResult['applied'] = [];
  let client;
  try {
    client = await pool.connect();
  } catch (error) {
    throw toBackendError(error, 'migrate');
  }
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [MIGRATE_LOCK_CLASS, schemaName]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${schema}.schema_versions (
         primitive text PRIMARY KEY,
         version integer NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT clock_timestamp())`,
    );
    const { rows } = await client.query<{ primitive: string; version: number }>(
      `SELECT primitive, version FROM ${schema}.schema_versions`,
    );
    const current = new Map(rows.map((row) => [row.primitive, row.version]));
    for (const part of parts) {
      const from = current.get(part.primitive) ?? 0;
      if (from > part.versions.length)
        throw new Error(
          `schema ${schemaName}: ${part.primitive} is at version ${from}, this package knows ${part.versions.length}`,
        );
      for (let version = from + 1; version <= part.versions.length; version++) {
        for (const ddl of part.versions[version - 1]!(schema)) await client.query(ddl);
        applied.push({ primitive: part.primitive, version });
      }
      if (from < part.versions.length)
        await client.query(
          `INSERT INTO ${schema}.schema_versions (primitive, version) VALUES ($1, $2)
           ON CONFLICT (primitive) DO UPDATE SET version = EXCLUDED.version, applied_at = clock_timestamp()`,
          [part.primitive, part.versions.length],
        );
      for (const ddl of part.everyRun?.(schema) ?? []) await client.query(ddl);
    }
    await client.query('COMMIT');
    return { applied };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw toBackendError(error, 'migrate');
  } finally {
    client.release();
  }
}

function selectParts(primitives: readonly string[] | undefined): readonly PostgresSchemaPart[] {
  if (primitives === undefined) return SCHEMA_PARTS;
  const known = new Set(SCHEMA_PARTS.map((part) => part.primitive));
  const unknown = primitives.filter((name) => !known.has(name));
  if (unknown.length > 0)
    throw new InvalidOptionsError(
      `invalid migrate options: primitives: unknown ${unknown.join(', ')} (known: ${[...known].join(', ')})`,
      { driver: 'postgres' },
    );
  return SCHEMA_PARTS.filter((part) => primitives.includes(part.primitive));
}
