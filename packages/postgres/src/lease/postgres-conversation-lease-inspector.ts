import { validateId, type ConversationLeaseInspector, type LeaseHolder } from '@tristack/core';
import type { Pool } from 'pg';
import { splitPostgresDriverOptions, type PostgresDriverOptions } from '../driver-options.js';
import { runStatement, statement, type Statement } from '../internal/sql.js';
import { epochMs } from '../internal/time-sql.js';

const DRIVER = 'postgres';

/** `ConversationLeaseInspector` on `<schema>.lease` (the rows `PostgresConversationLease` writes). Reads only. */
export class PostgresConversationLeaseInspector implements ConversationLeaseInspector {
  private readonly pool: Pool;
  private readonly holderStatement: Statement;

  constructor(options: PostgresDriverOptions) {
    const { pool, schema } = splitPostgresDriverOptions(options, 'PostgresConversationLeaseInspector');
    this.pool = pool;
    this.holderStatement = statement(
      'lease.inspect-holder',
      schema,
      (s) => `SELECT holder_id, fencing_token,
          ${epochMs('expires_at')} - ${epochMs('clock_timestamp()')} AS expires_in_ms
        FROM ${s}.lease
        WHERE resource = $1 AND holder_id IS NOT NULL AND expires_at > clock_timestamp()`,
    );
  }

  async holder(resource: string): Promise<LeaseHolder | undefined> {
    validateId(resource, 'lease resource', DRIVER);
    const [row] = await runStatement<{ holder_id: string; fencing_token: string; expires_in_ms: string }>(
      this.pool,
      this.holderStatement,
      [resource],
    );
    if (!row) return undefined;
    return {
      resource,
      holderId: row.holder_id,
      fencingToken: Number(row.fencing_token),
      expiresInMs: Math.max(0, Number(row.expires_in_ms)),
    };
  }
}
