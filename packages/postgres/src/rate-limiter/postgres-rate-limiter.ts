import {
  BackendUnavailableError,
  TristackError,
  type RateLimiterOptions,
  type RateLimitResult,
  type RateLimitRule,
  type RateLimitRuleResult,
  type StoreRateLimiterOptions,
} from '@tristack/core';
import {
  BaseRateLimiter,
  BlockedKeyCache,
  parseOptions,
  storeRateLimiterOptionsSchema,
  storeUnavailableResult,
  summarizeRateLimit,
  toRuleResult,
  type RateLimitKeyTarget,
  type RateLimitTarget,
} from '@tristack/core/driver-kit';
import type { Pool } from 'pg';
import { splitPostgresDriverOptions, type PostgresDriverOptions } from '../driver-options.js';
import { runStatement, statement, type Statement } from '../internal/sql.js';
import { PostgresRateLimiterInspector } from './postgres-rate-limiter-inspector.js';

const DRIVER = 'postgres';

/** Options of `PostgresRateLimiter`: the rules and the store's failure policy, plus the pool and schema. */
export interface PostgresRateLimiterOptions
  extends RateLimiterOptions, StoreRateLimiterOptions, PostgresDriverOptions {}

type Mode = 'limit' | 'peek' | 'reconcile' | 'block';

interface RuleRow {
  checked_at: number;
  target: number;
  blocked_until: number;
  denies_all_for: number;
  fits: boolean;
  remaining: number;
  reset_at: number;
  retry_after: number;
}

const ALGORITHM_CODES = { 'fixed-window': 'f', 'sliding-window': 's', 'token-bucket': 't' } as const;

/** The per-rule parameter the function reads: fixed: 1 epoch-aligned, 0 first hit; sliding: segments; token bucket: burst. */
function ruleParameter(rule: RateLimitRule): number {
  if (rule.algorithm === 'sliding-window') return rule.segments;
  if (rule.algorithm === 'token-bucket') return rule.burst;
  return rule.anchor === 'epoch' ? 1 : 0;
}

class StatementTimeoutError extends Error {}

/**
 * `RateLimiter` shared by a fleet through PostgreSQL.
 *
 * - One row per (limiter name, scope, id) in the unlogged `<schema>.rate_limit_state`, ids in their
 *   own columns; the rules' states in a `jsonb` by rule name.
 * - Every call is one call of the `rate_limit` function: it locks the keys (advisory locks, fixed
 *   order), checks every rule of every key and writes only when all fit: all-or-nothing across
 *   rules and scopes, one round trip. Time is the server's `clock_timestamp()`.
 * - Postgres down or slower than `timeoutMs`: `failurePolicy`, reported as `reason: 'store-unavailable'`.
 */
export class PostgresRateLimiter extends BaseRateLimiter {
  private readonly pool: Pool;
  private readonly schema: string;
  private readonly timeoutMs: number;
  private readonly failurePolicy: 'fail-open' | 'fail-closed';
  private readonly blockedKeys: BlockedKeyCache;
  private readonly call: Statement;
  private readonly remove: Statement;

  constructor(options: PostgresRateLimiterOptions) {
    const { pool, schema, rest } = splitPostgresDriverOptions(options, 'PostgresRateLimiter');
    const { timeoutMs, failurePolicy, blockedKeyCache, ...shared } = rest;
    super(shared, DRIVER);
    const own = parseOptions(
      storeRateLimiterOptionsSchema,
      { timeoutMs, failurePolicy, blockedKeyCache },
      { what: 'PostgresRateLimiter', driver: DRIVER },
    );
    this.pool = pool;
    this.schema = schema;
    this.timeoutMs = own.timeoutMs;
    this.failurePolicy = own.failurePolicy;
    this.blockedKeys = new BlockedKeyCache(own.blockedKeyCache.maxKeys);
    this.call = statement(
      'rate-limiter.call',
      schema,
      (s) => `SELECT checked_at, target, blocked_until, denies_all_for, fits, remaining, reset_at, retry_after
        FROM ${s}.rate_limit($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    );
    this.remove = statement(
      'rate-limiter.reset',
      schema,
      (s) => `DELETE FROM ${s}.rate_limit_state AS r
        USING unnest($2::text[], $3::text[]) AS target(scope, key)
        WHERE r.limiter = $1 AND r.scope = target.scope AND r.key = target.key`,
    );
  }

  /** A read-only view of this limiter's counters (its rules add limit, remaining and reset). */
  inspector(): PostgresRateLimiterInspector {
    return new PostgresRateLimiterInspector({
      pool: this.pool,
      schema: this.schema,
      boundTo: { name: this.name, limits: this.limits },
    });
  }

  protected async limitTargets(targets: RateLimitTarget[]): Promise<RateLimitResult> {
    if (this.blockedKeys.size > 0) {
      const cached = this.cachedDenial(targets);
      if (cached) return cached;
    }
    return this.check('limit', targets);
  }

  protected async peekTargets(targets: RateLimitTarget[]): Promise<RateLimitResult> {
    return this.check('peek', targets);
  }

  protected async reconcileTargets(
    targets: RateLimitTarget[],
    checkedAt: number | undefined,
  ): Promise<RateLimitResult> {
    // A refund may free room this process thinks is exhausted.
    for (const target of targets) this.blockedKeys.delete(cacheId(target));
    const rows = await this.required(this.run('reconcile', targets, checkedAt ?? null));
    return this.summarize(targets, rows, 'reconcile');
  }

  protected async resetTargets(targets: RateLimitKeyTarget[]): Promise<void> {
    for (const target of targets) this.blockedKeys.delete(cacheId(target));
    await this.required(
      runStatement(this.pool, this.remove, [
        this.name,
        targets.map((target) => target.scope),
        targets.map((target) => target.key),
      ]),
    );
  }

  protected async blockTargets(keys: RateLimitKeyTarget[], duration: number): Promise<void> {
    const targets = keys.map((target) => ({
      ...target,
      rules: target.rules.map((rule) => ({ rule, cost: 0 })),
    }));
    await this.required(this.run('block', targets, duration));
  }

  private async check(mode: 'limit' | 'peek', targets: RateLimitTarget[]): Promise<RateLimitResult> {
    let rows: RuleRow[];
    try {
      rows = await this.withTimeout(this.run(mode, targets, null));
    } catch (error) {
      if (!(error instanceof StatementTimeoutError) && !TristackError.hasCode(error, 'BACKEND_UNAVAILABLE'))
        throw error;
      return storeUnavailableResult(this.failurePolicy, Date.now(), this.timeoutMs);
    }
    const result = this.summarize(targets, rows, mode);
    if (mode === 'limit' && !result.allowed) this.remember(targets, rows);
    return result;
  }

  private run(mode: Mode, targets: readonly RateLimitTarget[], extra: number | null): Promise<RuleRow[]> {
    const ruleTargets: number[] = [];
    const names: string[] = [];
    const algorithms: string[] = [];
    const limits: number[] = [];
    const windows: number[] = [];
    const parameters: number[] = [];
    const costs: number[] = [];
    targets.forEach((target, index) => {
      for (const { rule, cost } of target.rules) {
        ruleTargets.push(index + 1);
        names.push(rule.name);
        algorithms.push(ALGORITHM_CODES[rule.algorithm]);
        limits.push(rule.limit);
        windows.push(rule.windowMs);
        parameters.push(ruleParameter(rule));
        costs.push(cost);
      }
    });
    return runStatement<RuleRow>(this.pool, this.call, [
      mode,
      extra,
      this.name,
      targets.map((target) => target.scope),
      targets.map((target) => target.key),
      ruleTargets,
      names,
      algorithms,
      limits,
      windows,
      parameters,
      costs,
    ]);
  }

  private summarize(
    targets: readonly RateLimitTarget[],
    rows: readonly RuleRow[],
    mode: Mode,
  ): RateLimitResult {
    const now = rows[0]?.checked_at ?? Date.now();
    const admitted = rows.every((row) => row.fits && !(row.blocked_until > now));
    const charging = mode === 'limit' && admitted;
    const rules: RateLimitRuleResult[] = [];
    let blockedUntil = 0;
    let index = 0;
    for (const target of targets)
      for (const { rule, cost } of target.rules) {
        const row = rows[index++]!;
        // Fractional: summarizeRateLimit rounds the wait up once, so it never exceeds the block.
        if (row.blocked_until > now) blockedUntil = Math.max(blockedUntil, row.blocked_until);
        const verdict = {
          fits: row.fits,
          never: row.retry_after < 0,
          remaining: row.remaining,
          resetAt: Math.ceil(row.reset_at),
          retryAfterMs: row.retry_after < 0 ? Infinity : Math.ceil(row.retry_after),
          exhaustedForMs: 0,
        };
        rules.push(toRuleResult(target.scope, target.key, rule, verdict, charging && cost > 0 ? cost : 0));
      }
    return summarizeRateLimit(rules, now, blockedUntil);
  }

  /** After a denial: remember the keys that deny every call, for as long as the server said. */
  private remember(targets: readonly RateLimitTarget[], rows: readonly RuleRow[]): void {
    const now = rows[0]?.checked_at ?? 0;
    for (const row of rows) {
      const target = targets[row.target - 1];
      if (target)
        this.blockedKeys.set(
          cacheId(target),
          row.denies_all_for,
          row.blocked_until > now ? 'blocked' : 'limited',
        );
    }
  }

  private cachedDenial(targets: readonly RateLimitTarget[]): RateLimitResult | undefined {
    const now = Date.now();
    let until = 0;
    let reason: RateLimitResult['reason'] = 'limited';
    for (const target of targets) {
      const entry = this.blockedKeys.get(cacheId(target));
      if (entry && entry.until > until) {
        until = entry.until;
        reason = entry.reason;
      }
    }
    if (until === 0) return undefined;
    return {
      allowed: false,
      limit: 0,
      remaining: 0,
      resetAt: Math.ceil(until),
      retryAfterMs: Math.max(1, Math.ceil(until - now)),
      reason,
      checkedAt: now,
      rules: [],
    };
  }

  /** Rejects with `StatementTimeoutError` after `timeoutMs` (the statement itself runs on). */
  private withTimeout<T>(work: Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StatementTimeoutError()), this.timeoutMs);
    });
    return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
  }

  /** Operations that are not admission decisions: an outage or timeout is an error. */
  private async required<T>(work: Promise<T>): Promise<T> {
    try {
      return await this.withTimeout(work);
    } catch (error) {
      if (error instanceof StatementTimeoutError)
        throw new BackendUnavailableError(`PostgreSQL did not answer within ${this.timeoutMs} ms`, {
          driver: DRIVER,
        });
      throw error;
    }
  }
}

function cacheId(target: { scope: string; key: string }): string {
  return `${target.scope}\u0000${target.key}`;
}
