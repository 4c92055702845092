import { parseInput } from '../validation.js';
import { RateLimitCallPlanner } from './rate-limit-call-planner.js';
import {
  planRateLimitReconcile,
  resolveRateLimitKey,
  resolveRateLimiterOptions,
  type RateLimitTarget,
} from './rate-limit-plan.js';
import {
  blockDurationSchema,
  rateLimitReconcileOptionsSchema,
  type RateLimitCallOptions,
  type RateLimitKey,
  type RateLimiter,
  type RateLimiterOptions,
  type RateLimitReconcileOptions,
  type RateLimitResult,
  type RateLimitRule,
} from './rate-limiter.js';

/** The keys a `reset` or `block` names: one per scope, with that scope's rules. */
export type RateLimitKeyTarget = { scope: string; key: string; rules: RateLimitRule[] };

/**
 * What every `RateLimiter` driver shares: option parsing with rule defaults, key and cost
 * validation, and planning (which rules of which scope a call charges, and how much). A driver
 * supplies five store operations on planned input and decides with `checkRule`/`chargeRule`
 * (`rate-limit-algorithms.ts`) and `summarizeRateLimit` (`rate-limit-result.ts`), so every store
 * counts alike. For driver authors.
 *
 * The contract does not include: the clock (a shared store decides with its own time), key
 * layout and state encoding, expiry of idle keys, per-process caches of denied keys, timeouts
 * and the failure policy of a remote store, and how a store splits one call across shards.
 */
export abstract class BaseRateLimiter implements RateLimiter {
  readonly limits: readonly RateLimitRule[];
  protected readonly name: string;
  private readonly planner: RateLimitCallPlanner;

  protected constructor(
    options: RateLimiterOptions,
    protected readonly driver: string,
  ) {
    const resolved = resolveRateLimiterOptions(options, driver);
    this.limits = resolved.limits;
    this.name = resolved.name;
    this.planner = new RateLimitCallPlanner(this.limits, driver);
  }

  /**
   * Checks every rule of every target and, only when all fit and no key is blocked, charges
   * them all: all-or-nothing, as one atomic step. Admitted calls report the state after the charge.
   */
  protected abstract limitTargets(targets: RateLimitTarget[]): Promise<RateLimitResult>;
  /** The same decision as `limitTargets`, charging nothing. */
  protected abstract peekTargets(targets: RateLimitTarget[]): Promise<RateLimitResult>;
  /** Applies each rule's signed `cost` even past the limit (at `checkedAt`, when given), then reports. */
  protected abstract reconcileTargets(
    targets: RateLimitTarget[],
    checkedAt: number | undefined,
  ): Promise<RateLimitResult>;
  /** Forgets all usage and any block of each target. */
  protected abstract resetTargets(targets: RateLimitKeyTarget[]): Promise<void>;
  /** Denies every call of each target for `durationMs` (keeping a longer block). */
  protected abstract blockTargets(targets: RateLimitKeyTarget[], durationMs: number): Promise<void>;

  // Not async: the hot path, one promise fewer. Invalid input still rejects, never throws.
  limit(key: RateLimitKey, options?: RateLimitCallOptions): Promise<RateLimitResult> {
    let targets: RateLimitTarget[];
    try {
      targets = this.planner.plan(key, options, 'limit');
    } catch (error) {
      return Promise.reject(error);
    }
    return this.limitTargets(targets);
  }

  async peek(key: RateLimitKey, options?: RateLimitCallOptions): Promise<RateLimitResult> {
    return this.peekTargets(this.planner.plan(key, options, 'peek'));
  }

  async reconcile(key: RateLimitKey, options: RateLimitReconcileOptions): Promise<RateLimitResult> {
    const parsed = parseInput(rateLimitReconcileOptionsSchema, options, {
      what: 'reconcile options',
      driver: this.driver,
    });
    const targets = planRateLimitReconcile(this.limits, key, parsed.reserved, parsed.actual, this.driver);
    return this.reconcileTargets(targets, parsed.checkedAt);
  }

  async reset(key: RateLimitKey): Promise<void> {
    await this.resetTargets(resolveRateLimitKey(this.limits, key, this.driver));
  }

  async block(key: RateLimitKey, ms: number): Promise<void> {
    const duration = parseInput(blockDurationSchema, ms, { what: 'block duration', driver: this.driver });
    await this.blockTargets(resolveRateLimitKey(this.limits, key, this.driver), duration);
  }
}
