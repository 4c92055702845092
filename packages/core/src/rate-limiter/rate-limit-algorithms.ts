import { MAX_RATE_LIMIT_HORIZON_MS, type RateLimitRule } from './rate-limiter.js';

/**
 * The three algorithms as pure functions of (rule, state, now, cost). The in-memory driver runs
 * them; the Redis driver's Lua script is a line-by-line port, and the conformance suite holds both
 * to the same behaviour.
 */
export type RuleState =
  | { readonly algorithm: 'fixed-window'; start: number; used: number }
  | { readonly algorithm: 'sliding-window'; buckets: Map<number, number> }
  | { readonly algorithm: 'token-bucket'; tat: number };

export interface RuleVerdict {
  /** The rule has room for the cost. */
  readonly fits: boolean;
  /** The cost is larger than the rule can ever admit. */
  readonly never: boolean;
  /** Room left, after the charge when it fits. */
  readonly remaining: number;
  /** When usage is back to zero, after the charge when it fits (ms since epoch). */
  readonly resetAt: number;
  /** 0 when it fits, ms until it would, Infinity when never. */
  readonly retryAfterMs: number;
  /** How long the rule denies every cost, even zero (0 when it does not): the blocked-key cache's lifetime. */
  readonly exhaustedForMs: number;
}

/** Float sums drift: a cost that fills a limit exactly must still fit. */
export function tolerance(limit: number): number {
  return limit * 1e-9;
}

/** A cost fits when it stays within the limit; a zero cost fits while the rule is not exhausted. */
export function fitsWithin(used: number, cost: number, limit: number): boolean {
  const slack = tolerance(limit);
  return used + cost <= limit + slack && (cost > 0 || used < limit - slack);
}

function fixedWindowStart(
  rule: RateLimitRule & { algorithm: 'fixed-window' },
  state: RuleState | undefined,
  now: number,
): number {
  if (rule.anchor === 'epoch') return Math.floor(now / rule.windowMs) * rule.windowMs;
  // Whole ms, so the `checkedAt` a result reports falls inside the window it opened.
  return state?.algorithm === 'fixed-window' && now < state.start + rule.windowMs
    ? state.start
    : Math.floor(now);
}

/** Index of the sliding-window bucket holding `time`, and the oldest bucket still counted at `now`. */
function slidingBuckets(rule: RateLimitRule & { algorithm: 'sliding-window' }, now: number) {
  const size = rule.windowMs / rule.segments;
  const current = Math.floor(now / size);
  // A bucket counts while any part of it lies within the last window: costs never count for less than windowMs.
  return { size, current, oldest: current - rule.segments };
}

/** Live buckets, oldest first, as [index, amount]. */
function liveBuckets(state: RuleState | undefined, oldest: number): [number, number][] {
  if (state?.algorithm !== 'sliding-window') return [];
  return [...state.buckets]
    .filter(([index, amount]) => index >= oldest && amount > 0)
    .sort((a, b) => a[0] - b[0]);
}

/** Ms until `used` (dropping as buckets expire) leaves room for `cost`; buckets oldest first. */
function slidingRetry(
  buckets: readonly [number, number][],
  used: number,
  cost: number,
  rule: RateLimitRule & { algorithm: 'sliding-window' },
  size: number,
  now: number,
): number {
  let left = used;
  for (const [index, amount] of buckets) {
    left -= amount;
    if (fitsWithin(Math.max(0, left), cost, rule.limit)) return (index + rule.segments + 1) * size - now;
  }
  return 0;
}

/**
 * Checks `cost` against one rule without changing anything. `remaining` and `resetAt` describe the
 * state after the charge when `charging` (a `limit` call) and the cost fits, else the state now.
 */
export function checkRule(
  rule: RateLimitRule,
  state: RuleState | undefined,
  now: number,
  cost: number,
  charging = true,
): RuleVerdict {
  switch (rule.algorithm) {
    case 'fixed-window': {
      const start = fixedWindowStart(rule, state, now);
      const used = state?.algorithm === 'fixed-window' && state.start === start ? state.used : 0;
      const fits = fitsWithin(used, cost, rule.limit);
      const never = !fits && cost > rule.limit + tolerance(rule.limit);
      const end = start + rule.windowMs;
      const after = fits && charging ? used + cost : used;
      return {
        fits,
        never,
        remaining: Math.max(0, rule.limit - after),
        resetAt: after > 0 ? end : now,
        retryAfterMs: fits ? 0 : never ? Infinity : end - now,
        exhaustedForMs: fitsWithin(used, 0, rule.limit) ? 0 : end - now,
      };
    }
    case 'sliding-window': {
      const { size, current, oldest } = slidingBuckets(rule, now);
      const buckets = liveBuckets(state, oldest);
      const used = buckets.reduce((sum, [, amount]) => sum + amount, 0);
      const fits = fitsWithin(used, cost, rule.limit);
      const never = !fits && cost > rule.limit + tolerance(rule.limit);
      const newest = fits && charging && cost > 0 ? current : buckets.at(-1)?.[0];
      return {
        fits,
        never,
        remaining: Math.max(0, rule.limit - (fits && charging ? used + cost : used)),
        resetAt: newest === undefined ? now : (newest + rule.segments + 1) * size,
        retryAfterMs: fits ? 0 : never ? Infinity : slidingRetry(buckets, used, cost, rule, size, now),
        exhaustedForMs: fitsWithin(used, 0, rule.limit) ? 0 : slidingRetry(buckets, used, 0, rule, size, now),
      };
    }
    case 'token-bucket': {
      // GCRA: `tat` is when the bucket would be full again; each unit of cost pushes it `interval` later.
      const interval = rule.windowMs / rule.limit;
      const capacity = rule.burst * interval;
      const tat = Math.max(state?.algorithm === 'token-bucket' ? state.tat : now, now);
      const used = (tat - now) / interval;
      const fits = fitsWithin(used, cost, rule.burst);
      const never = !fits && cost > rule.burst + tolerance(rule.burst);
      const after = fits && charging ? tat + cost * interval : tat;
      return {
        fits,
        never,
        remaining: Math.max(0, (capacity - (after - now)) / interval),
        resetAt: after,
        retryAfterMs: fits ? 0 : never ? Infinity : Math.max(0, tat + cost * interval - capacity - now),
        exhaustedForMs: fitsWithin(used, 0, rule.burst) ? 0 : Math.max(0, tat - capacity - now) + 1,
      };
    }
  }
}

/**
 * Adds `amount` (negative: a refund) to one rule's state. A charge always applies, even past the
 * limit. A refund goes back to the window or bucket of `checkedAt` while that still counts, and
 * never takes usage below zero.
 */
export function chargeRule(
  rule: RateLimitRule,
  state: RuleState | undefined,
  now: number,
  amount: number,
  checkedAt: number = now,
): RuleState | undefined {
  switch (rule.algorithm) {
    case 'fixed-window': {
      const start = fixedWindowStart(rule, state, now);
      const used = state?.algorithm === 'fixed-window' && state.start === start ? state.used : 0;
      if (amount >= 0) return { algorithm: 'fixed-window', start, used: used + amount };
      // Nothing to refund: leave the state alone, so a refund never opens a first-hit window.
      if (used === 0) return state;
      // A refund for an earlier window would wrongly free room in this one.
      const sameWindow = checkedAt >= start && checkedAt < start + rule.windowMs;
      return { algorithm: 'fixed-window', start, used: sameWindow ? Math.max(0, used + amount) : used };
    }
    case 'sliding-window': {
      const { size, current, oldest } = slidingBuckets(rule, now);
      const buckets = new Map(liveBuckets(state, oldest));
      if (amount >= 0) {
        buckets.set(current, (buckets.get(current) ?? 0) + amount);
      } else {
        const index = Math.min(current, Math.floor(checkedAt / size));
        const held = buckets.get(index) ?? 0;
        const refund = Math.min(held, -amount);
        if (refund >= held - tolerance(rule.limit)) buckets.delete(index);
        else buckets.set(index, held - refund);
      }
      return { algorithm: 'sliding-window', buckets };
    }
    case 'token-bucket': {
      const interval = rule.windowMs / rule.limit;
      const tat = Math.max(state?.algorithm === 'token-bucket' ? state.tat : now, now);
      // Debt saturates at the horizon: many reconciles never push stored times out of range.
      const next = Math.min(now + MAX_RATE_LIMIT_HORIZON_MS, Math.max(now, tat + amount * interval));
      return { algorithm: 'token-bucket', tat: next };
    }
  }
}
