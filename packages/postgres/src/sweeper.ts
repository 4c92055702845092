import type { Pool } from 'pg';
import { z } from 'zod';
import { parseOptions } from '@tristack/core/driver-kit';
import { DEFAULT_SCHEMA, validateSchemaName } from './driver-options.js';
import { SCHEMA_PARTS } from './internal/schema-parts.js';
import { quoteIdentifier, toBackendError } from './internal/sql.js';

/** Options of `sweepExpired()`. */
export interface SweepOptions {
  /** @default 'tristack' */
  schema?: string;
  /** Rows deleted per statement: short transactions, short locks. @default 1000 */
  batchSize?: number;
  /** Stop after this many batches per table (the next sweep goes on). @default 100 */
  maxBatchesPerTable?: number;
}

/** What `sweepExpired()` deleted. */
export interface SweepResult {
  /** Rows deleted, per table. */
  deleted: Record<string, number>;
}

const sweepOptionsSchema = z.object({
  batchSize: z.number().int().min(1).max(100_000).default(1000),
  maxBatchesPerTable: z.number().int().min(1).default(100),
});

/**
 * PostgreSQL has no TTL: expired rows stay until deleted. Reads already ignore them (`expires_at >
 * clock_timestamp()`), so sweeping only reclaims space. Run it on a timer in one process or from cron
 * (`setInterval(() => sweepExpired(pool), 60_000)`); running it from several processes at once is
 * safe (`FOR UPDATE SKIP LOCKED` gives each batch to one of them).
 *
 * Each batch is one statement: `DELETE … WHERE ctid = ANY(ARRAY(SELECT ctid … WHERE expires_at <
 * clock_timestamp() LIMIT n FOR UPDATE SKIP LOCKED))`, so no long transaction or table-wide lock.
 */
export async function sweepExpired(pool: Pool, options: SweepOptions = {}): Promise<SweepResult> {
  const { schema: schemaOption = DEFAULT_SCHEMA, ...rest } = options;
  const schema = quoteIdentifier(validateSchemaName(schemaOption, 'sweepExpired'));
  const { batchSize, maxBatchesPerTable } = parseOptions(sweepOptionsSchema, rest, {
    what: 'sweepExpired',
    driver: 'postgres',
  });
  const deleted: Record<string, number> = {};
  // Only the primitives `migrate()` created in this schema (it may have been told to create a few).
  let migrated: Set<string>;
  try {
    const { rows } = await pool.query<{ primitive: string }>(
      `SELECT primitive FROM ${schema}.schema_versions`,
    );
    migrated = new Set(rows.map((row) => row.primitive));
  } catch (error) {
    throw toBackendError(error, 'sweepExpired');
  }
  for (const part of SCHEMA_PARTS.filter((each) => migrated.has(each.primitive)))
    for (const { table, column } of part.expiring ?? []) {
      const qualified = `${schema}.${quoteIdentifier(table)}`;
      const text = `DELETE FROM ${qualified} WHERE ctid = ANY(ARRAY(
         SELECT ctid FROM ${qualified} WHERE ${quoteIdentifier(column)} < clock_timestamp()
         LIMIT $1 FOR UPDATE SKIP LOCKED))`;
      let total = 0;
      for (let batch = 0; batch < maxBatchesPerTable; batch++) {
        let count: number;
        try {
          count = (await pool.query(text, [batchSize])).rowCount ?? 0;
        } catch (error) {
          throw toBackendError(error, `sweepExpired ${table}`);
        }
        total += count;
        if (count < batchSize) break;
      }
      deleted[table] = total;
    }
  return { deleted };
}
