import {
  validateId,
  type RateLimitKeyInspection,
  type RateLimitKeyInspectionOptions,
  type RateLimitKeyState,
  type RateLimiterInspector,
  type RateLimitRule,
} from '@tristack/core';
import { DEFAULT_DISCOVERY_LIMIT, describeRuleState, type RuleState } from '@tristack/core/driver-kit';
import type { Pool } from 'pg';
import { splitPostgresDriverOptions, type PostgresDriverOptions } from '../driver-options.js';
import { runStatement, statement, type Statement } from '../internal/sql.js';

const DRIVER = 'postgres';

export interface PostgresRateLimiterInspectorOptions extends PostgresDriverOptions {
  /**
   * Inspect only this limiter, whose rules then add limit, remaining and reset to each rule
   * (what `PostgresRateLimiter.inspector()` passes). Without it every limiter is inspected.
   */
  boundTo?: { name: string; limits: readonly RateLimitRule[] };
}

type StoredRule =
  { a: 'f'; s: number; u: number } | { a: 's'; b: Record<string, number> } | { a: 't'; t: number };

interface Row {
  limiter: string;
  scope: string;
  blocked_until: number;
  state: Record<string, StoredRule>;
  expires_in_ms: number;
  checked_at: number;
}

/** The core's `RuleState` of one stored rule (see rate-limiter-schema.ts for the format). */
function toRuleState(stored: StoredRule): RuleState {
  if (stored.a === 'f') return { algorithm: 'fixed-window', start: stored.s, used: stored.u };
  if (stored.a === 't') return { algorithm: 'token-bucket', tat: stored.t };
  return {
    algorithm: 'sliding-window',
    buckets: new Map(Object.entries(stored.b).map(([index, amount]) => [Number(index), amount])),
  };
}

/** `RateLimiterInspector` on `<schema>.rate_limit_state` (the rows `PostgresRateLimiter` writes). Reads only. */
export class PostgresRateLimiterInspector implements RateLimiterInspector {
  private readonly pool: Pool;
  private readonly schema: string;
  private readonly boundTo: PostgresRateLimiterInspectorOptions['boundTo'];
  private readonly find: Statement;

  constructor(options: PostgresRateLimiterInspectorOptions) {
    const { pool, schema, rest } = splitPostgresDriverOptions(options, 'PostgresRateLimiterInspector');
    this.pool = pool;
    this.schema = schema;
    this.boundTo = rest.boundTo;
    // The server's time comes with the rows; with none found, the outer join still returns it.
    this.find = statement(
      'rate-limiter.inspect-key',
      schema,
      (s) => `SELECT r.limiter, r.scope, r.blocked_until, r.state,
          floor(extract(epoch FROM r.expires_at - now.at) * 1000) AS expires_in_ms,
          extract(epoch FROM now.at) * 1000 AS checked_at
        FROM (SELECT clock_timestamp() AS at) now
        LEFT JOIN ${s}.rate_limit_state r
          ON r.key = $1 AND ($2::text IS NULL OR r.limiter = $2) AND ($3::text IS NULL OR r.scope = $3)
             AND r.expires_at > now.at
        ORDER BY r.limiter COLLATE "C", r.scope COLLATE "C"
        LIMIT $4`,
    );
  }

  async inspectKey(id: string, options: RateLimitKeyInspectionOptions = {}): Promise<RateLimitKeyInspection> {
    validateId(id, 'rate limit key', DRIVER);
    const limit = options.limit ?? DEFAULT_DISCOVERY_LIMIT;
    if (this.boundTo && options.limiter !== undefined && options.limiter !== this.boundTo.name)
      return { checkedAt: Date.now(), found: [], undecodable: [], truncated: false };
    const limiter = this.boundTo?.name ?? options.limiter ?? null;
    const rows = await runStatement<Row>(this.pool, this.find, [
      id,
      limiter,
      options.scope ?? null,
      limit + 1,
    ]);
    const checkedAt = Math.floor(rows[0]?.checked_at ?? Date.now());
    const matched = rows.filter((row) => row.limiter !== null);
    const found: RateLimitKeyState[] = matched.slice(0, limit).map((row) => {
      const ruleOf = (name: string) =>
        this.boundTo?.limits.find((rule) => rule.scope === row.scope && rule.name === name);
      return {
        limiter: row.limiter,
        scope: row.scope,
        id,
        storageKey: `${this.schema}.rate_limit_state ${JSON.stringify([row.limiter, row.scope, id])}`,
        expiresInMs: Math.max(0, Number(row.expires_in_ms)),
        ...(row.blocked_until > checkedAt ? { blockedUntil: Math.ceil(row.blocked_until) } : {}),
        rules: Object.entries(row.state)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([name, stored]) => describeRuleState(name, toRuleState(stored), checkedAt, ruleOf(name))),
      };
    });
    return { checkedAt, found, undecodable: [], truncated: matched.length > limit };
  }
}
