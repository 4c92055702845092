import { InvalidOptionsError, type ConversationLeaseOptions, type Lease } from '@tristack/core';
import { BaseConversationLease, MAX_LEASE_TTL_MS, type LeaseAttempt } from '@tristack/core/driver-kit';
import type { Pool } from 'pg';
import { splitPostgresDriverOptions, type PostgresDriverOptions } from '../driver-options.js';
import { runStatement, statement, type Statement } from '../internal/sql.js';
import { epochMs, millisecondsInterval } from '../internal/time-sql.js';
import { PostgresConversationLeaseInspector } from './postgres-conversation-lease-inspector.js';

const DRIVER = 'postgres';
const DEFAULT_FENCE_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

/** Options of `PostgresConversationLease`: the lease's own, plus the pool and schema. */
export interface PostgresConversationLeaseOptions extends ConversationLeaseOptions, PostgresDriverOptions {
  /**
   * How long a resource's row (and its last fencing token) is kept after its last lease expired,
   * before `sweepExpired()` may delete it. Tokens keep rising after that too (they are at least the
   * server's time in ms).
   * @default 604800000 (7 days)
   */
  fenceRetentionMs?: number;
}

interface LeaseStatements {
  acquire: Statement;
  renew: Statement;
  release: Statement;
  live: Statement;
}

function leaseStatements(schema: string): LeaseStatements {
  return {
    // $1 resource, $2 holder, $3 ttl ms, $4 retention ms. Takes the row when it is free or expired,
    // else reports the holder's time left. The fallback SELECT reads the statement's snapshot: a row
    // inserted concurrently is not seen there, so `retry_after_ms` is then absent (it is a hint).
    acquire: statement('lease.acquire', schema, (s) => {
      const now = '(SELECT at FROM now)';
      return `WITH now AS (SELECT clock_timestamp() AS at),
        taken AS (
          INSERT INTO ${s}.lease AS held (resource, holder_id, fencing_token, expires_at, retain_until)
          SELECT $1, $2, ${epochMs('at')}, at + ${millisecondsInterval('$3::bigint')},
                 at + ${millisecondsInterval('($3::bigint + $4::bigint)')}
          FROM now
          ON CONFLICT (resource) DO UPDATE
            SET holder_id = EXCLUDED.holder_id,
                fencing_token = greatest(held.fencing_token + 1, EXCLUDED.fencing_token),
                expires_at = EXCLUDED.expires_at,
                retain_until = EXCLUDED.retain_until
            WHERE held.holder_id IS NULL OR held.expires_at <= ${now}
          RETURNING fencing_token, ${epochMs('expires_at')} AS expires_at_ms)
        SELECT true AS acquired, fencing_token, expires_at_ms, NULL::bigint AS retry_after_ms FROM taken
        UNION ALL
        SELECT false, NULL, NULL, greatest(0, ${epochMs('expires_at')} - ${epochMs(now)})
        FROM ${s}.lease WHERE resource = $1 AND NOT EXISTS (SELECT 1 FROM taken)`;
    }),
    // $1 resource, $2 holder, $3 token, $4 ttl ms, $5 retention ms.
    renew: statement('lease.renew', schema, (s) => {
      const now = '(SELECT at FROM now)';
      return `WITH now AS (SELECT clock_timestamp() AS at),
        renewed AS (
          UPDATE ${s}.lease
            SET expires_at = ${now} + ${millisecondsInterval('$4::bigint')},
                retain_until = ${now} + ${millisecondsInterval('($4::bigint + $5::bigint)')}
          WHERE resource = $1 AND holder_id = $2 AND fencing_token = $3 AND expires_at > ${now}
          RETURNING ${epochMs('expires_at')} AS expires_at_ms)
        SELECT true AS renewed, expires_at_ms, NULL::bigint AS current_token FROM renewed
        UNION ALL
        SELECT false, NULL, CASE WHEN holder_id IS NOT NULL AND expires_at > ${now} THEN fencing_token END
        FROM ${s}.lease WHERE resource = $1 AND NOT EXISTS (SELECT 1 FROM renewed)`;
    }),
    // $1 resource, $2 holder, $3 token. The row stays (with its token); only the holder goes.
    release: statement(
      'lease.release',
      schema,
      (s) => `UPDATE ${s}.lease SET holder_id = NULL, expires_at = clock_timestamp()
        WHERE resource = $1 AND holder_id = $2 AND fencing_token = $3 AND expires_at > clock_timestamp()
        RETURNING 1`,
    ),
    live: statement(
      'lease.live',
      schema,
      (s) => `SELECT fencing_token FROM ${s}.lease
        WHERE resource = $1 AND holder_id IS NOT NULL AND expires_at > clock_timestamp()`,
    ),
  };
}

/**
 * `ConversationLease` on PostgreSQL: a row per resource (`<schema>.lease`) holding the holder, its
 * fencing token and expiry. Acquire, renew, release and the fence check are one statement each;
 * expiry and tokens come from the server's `clock_timestamp()`. Run `migrate(pool)` first.
 */
export class PostgresConversationLease extends BaseConversationLease {
  private readonly pool: Pool;
  private readonly schema: string;
  private readonly fenceRetentionMs: number;
  private readonly statements: LeaseStatements;

  constructor(options: PostgresConversationLeaseOptions) {
    const { pool, schema, rest } = splitPostgresDriverOptions(options, 'PostgresConversationLease');
    const { fenceRetentionMs = DEFAULT_FENCE_RETENTION_MS, ...leaseOptions } = rest;
    super(leaseOptions, DRIVER, 'PostgresConversationLease');
    if (!Number.isInteger(fenceRetentionMs) || fenceRetentionMs < MAX_LEASE_TTL_MS)
      throw new InvalidOptionsError(
        `invalid PostgresConversationLease options: fenceRetentionMs: an integer >= ${MAX_LEASE_TTL_MS} (the longest lease TTL)`,
        { driver: DRIVER },
      );
    this.pool = pool;
    this.schema = schema;
    this.fenceRetentionMs = fenceRetentionMs;
    this.statements = leaseStatements(schema);
  }

  /** A read-only view of the leases. */
  inspector(): PostgresConversationLeaseInspector {
    return new PostgresConversationLeaseInspector({ pool: this.pool, schema: this.schema });
  }

  protected async attempt(resource: string, holderId: string, ttlMs: number): Promise<LeaseAttempt> {
    const [row] = await runStatement<{
      acquired: boolean;
      fencing_token: string | null;
      expires_at_ms: string | null;
      retry_after_ms: string | null;
    }>(this.pool, this.statements.acquire, [resource, holderId, ttlMs, this.fenceRetentionMs]);
    if (row?.acquired)
      return {
        acquired: true,
        lease: {
          resource,
          fencingToken: Number(row.fencing_token),
          holderId,
          ttlMs,
          expiresAt: Number(row.expires_at_ms),
        },
      };
    return {
      acquired: false,
      ...(row?.retry_after_ms != null ? { retryAfterMs: Number(row.retry_after_ms) } : {}),
    };
  }

  protected async extend(lease: Lease, ttlMs: number) {
    const [row] = await runStatement<{
      renewed: boolean;
      expires_at_ms: string | null;
      current_token: string | null;
    }>(this.pool, this.statements.renew, [
      lease.resource,
      lease.holderId,
      lease.fencingToken,
      ttlMs,
      this.fenceRetentionMs,
    ]);
    if (row?.renewed) return { expiresAt: Number(row.expires_at_ms) };
    return { currentFencingToken: row?.current_token == null ? undefined : Number(row.current_token) };
  }

  protected async remove(lease: Lease): Promise<boolean> {
    const rows = await runStatement(this.pool, this.statements.release, [
      lease.resource,
      lease.holderId,
      lease.fencingToken,
    ]);
    return rows.length === 1;
  }

  protected async liveFencingToken(resource: string): Promise<number | undefined> {
    const [row] = await runStatement<{ fencing_token: string }>(this.pool, this.statements.live, [resource]);
    return row === undefined ? undefined : Number(row.fencing_token);
  }
}
