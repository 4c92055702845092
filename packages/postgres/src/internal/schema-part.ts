/**
 * What one primitive contributes to the schema `migrate()` manages. HOW A DRIVER REGISTERS ITS DDL:
 *
 * 1. In the primitive's folder, write `schema.ts` exporting one `PostgresSchemaPart`:
 *
 *      export const leaseSchema: PostgresSchemaPart = {
 *        primitive: 'lease',
 *        versions: [
 *          // version 1: never edit once released; add version 2 for a change.
 *          (schema) => [`CREATE TABLE ${schema}.lease (…)`, `CREATE INDEX … ON ${schema}.lease (…)`],
 *        ],
 *        expiring: [{ table: 'lease', column: 'expires_at' }],
 *      };
 *
 *    `schema` is the quoted schema name (`"tristack"`); always qualify tables with it. Statements of
 *    one version run in order, in the single transaction `migrate()` holds, so a failing version
 *    leaves nothing behind. `CREATE … IF NOT EXISTS` is not needed (the version table decides) but
 *    does no harm.
 * 2. Add it to `SCHEMA_PARTS` in `./schema-parts.ts` (one import, one list entry).
 * 3. In the driver, build statements with `statement(name, schema, (s) => …)` from `./sql.ts` and run
 *    them with `runStatement` (one round trip; errors become `BackendUnavailableError`).
 *
 * Table names are the primitive's (`lease`, `rate_limit_state`…): the schema is the namespace, so no
 * table prefix. Rows that expire carry a `timestamptz` column and are listed in `expiring`, so
 * `sweepExpired()` deletes them in batches; reads ignore expired rows themselves (`expires_at >
 * clock_timestamp()`) so a late sweep is never visible.
 */
export interface PostgresSchemaPart {
  /** The primitive's name, the key of its version row (`conversation-memory`, `lease`, …). */
  readonly primitive: string;
  /** Version N is `versions[N - 1]`: the statements that bring the schema from N-1 to N. */
  readonly versions: readonly ((schema: string) => readonly string[])[];
  /**
   * Statements run by every `migrate()`, after the versions, in the same transaction: for what
   * lives outside the schema and may have gone since the version was applied (an extension), so
   * re-running `migrate()` repairs it. Must be idempotent.
   */
  readonly everyRun?: (schema: string) => readonly string[];
  /** Tables whose rows expire, with their `timestamptz` expiry column, for the sweeper. */
  readonly expiring?: readonly { readonly table: string; readonly column: string }[];
}
