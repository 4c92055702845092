import type { Discovery, DiscoveryOptions } from '../inspection.js';
import type { RateLimitAlgorithm } from './rate-limiter.js';

/** One rule's stored state for one key, as an operator reads it. */
export interface RateLimitRuleState {
  /** The rule's name. */
  readonly rule: string;
  readonly algorithm: RateLimitAlgorithm;
  /**
   * Fixed and sliding windows: what the window has counted (sliding: may include buckets about to
   * slide out when the inspector does not know the rule).
   */
  readonly used?: number;
  /** Fixed window: epoch ms the window opened. */
  readonly windowStart?: number;
  /** Sliding window: cost per bucket index (a bucket is `windowMs / segments` ms since the epoch). */
  readonly buckets?: Readonly<Record<string, number>>;
  /** Token bucket: epoch ms the bucket is full again. */
  readonly fullAt?: number;
  /** Only when the inspector knows the rule (one bound to a limiter): the rule's limit (token bucket: its burst). */
  readonly limit?: number;
  /** Only when the inspector knows the rule: room left now. */
  readonly remaining?: number;
  /** Only when the inspector knows the rule: when usage is back to zero (epoch ms). */
  readonly resetAt?: number;
}

/** Everything one limiter keeps for one (scope, id). */
export interface RateLimitKeyState {
  /** The limiter's `name` option. */
  readonly limiter: string;
  readonly scope: string;
  readonly id: string;
  /** Where the store keeps this state (a Redis key, say): for an operator's own digging. */
  readonly storageKey: string;
  /** Ms until the stored state expires (nothing in it counts any more then); undefined when it does not. */
  readonly expiresInMs?: number;
  /** Epoch ms `block()` denies every call until, when that is in the future. */
  readonly blockedUntil?: number;
  /** The rules that counted something, by name. */
  readonly rules: RateLimitRuleState[];
}

export interface RateLimitKeyInspection extends Discovery<RateLimitKeyState> {
  /** The store's time of the inspection (epoch ms): compare `fullAt` and `blockedUntil` with it. */
  readonly checkedAt: number;
}

export interface RateLimitKeyInspectionOptions extends DiscoveryOptions {
  /** Only this limiter (its `name` option). */
  limiter?: string;
  /** Only this scope. */
  scope?: string;
}

/** Read-only view of what rate limiters have counted. */
export interface RateLimiterInspector {
  /** What every limiter (or the one given) keeps for `id` in every scope (or the one given). */
  inspectKey(id: string, options?: RateLimitKeyInspectionOptions): Promise<RateLimitKeyInspection>;
}
