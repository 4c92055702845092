import { z } from 'zod';
import { idSchema } from '../ids.js';

/**
 * Rate limits and quotas. One limiter holds a set of rules (RPM, TPM, a daily cost budget…), each
 * tied to a scope (`user`, `tenant`, `provider`, or `default` for a plain string key). `limit()`
 * checks every rule of every scope it is given and charges all of them or none: being limited is a
 * result (`allowed: false`), never an exception.
 */
export const RATE_LIMIT_ALGORITHMS = ['sliding-window', 'token-bucket', 'fixed-window'] as const;
export type RateLimitAlgorithm = (typeof RATE_LIMIT_ALGORITHMS)[number];

/** The scope a plain string key is checked against. */
export const DEFAULT_RATE_LIMIT_SCOPE = 'default';
/** The unit a rule counts when it names none; a call costs one of it unless told otherwise. */
export const DEFAULT_RATE_LIMIT_UNIT = 'requests';
/** Longest window a rule may have (400 days: room for a yearly budget plus slack). */
export const MAX_RATE_LIMIT_WINDOW_MS = 400 * 86_400_000;
/**
 * Furthest ahead of now any stored time may reach (2^47 ms, about 4,460 years): a token bucket's
 * debt and every key's expiry stay well inside Redis' integer range. A bucket whose refill, or one
 * call whose cost, would reach further is rejected; debt piled up by many reconciles saturates here.
 */
export const MAX_RATE_LIMIT_HORIZON_MS = 2 ** 47;
/** Smallest `limit` or `burst` a rule may have. */
export const MIN_RATE_LIMIT_AMOUNT = 1e-6;
/** Largest `limit`, `burst` or cost. */
export const MAX_RATE_LIMIT_AMOUNT = 1e15;
/** Latest `checkedAt` a reconcile accepts (ms since the epoch, 2^47: the year 6429). */
export const MAX_RATE_LIMIT_CHECKED_AT_MS = 2 ** 47;

/** Rule, scope and unit names end up in stored field names: a small, safe alphabet. */
export const rateLimitNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 characters of A-Z a-z 0-9 _ . -');

const amountSchema = z.number().finite().min(MIN_RATE_LIMIT_AMOUNT).max(MAX_RATE_LIMIT_AMOUNT);
/** A cost: positive, or zero where that makes sense; never below the smallest limit's precision. */
const costAmountSchema = z.number().finite().min(0).max(MAX_RATE_LIMIT_AMOUNT);
const positiveCostSchema = costAmountSchema.positive();

const ruleBase = {
  /** Names the rule in results and in stored state; unique within its scope. Rename a rule when you change its algorithm or window. */
  name: rateLimitNameSchema,
  /**
   * Which key of a call the rule applies to: `limit({ user: 'u1', tenant: 't1' })` checks the
   * `user` rules against `u1` and the `tenant` rules against `t1`; a string key means `default`.
   * @default 'default'
   */
  scope: rateLimitNameSchema.default(DEFAULT_RATE_LIMIT_SCOPE),
  /**
   * What the rule counts: `requests`, `tokens`, `usd`… A call's `cost` record is matched by unit.
   * @default 'requests'
   */
  unit: rateLimitNameSchema.default(DEFAULT_RATE_LIMIT_UNIT),
  /** Most cost admitted per window (sliding, fixed), or refilled per window (token bucket): from 1e-6 to 1e15. */
  limit: amountSchema,
  /** Window length in milliseconds (token bucket: the period in which `limit` refills). */
  windowMs: z.number().int().min(1).max(MAX_RATE_LIMIT_WINDOW_MS),
};

/**
 * Smooth: a cost counts for one window after it was admitted, so there is no burst at a window
 * boundary. The window is kept as `segments` buckets; a cost stops counting between `windowMs` and
 * `windowMs + windowMs / segments` after it was admitted — it never counts for less than a window.
 */
export const slidingWindowRuleSchema = z.object({
  ...ruleBase,
  algorithm: z.literal('sliding-window'),
  /**
   * Buckets per window: more is smoother, costs a little more state.
   * @default 10
   */
  segments: z.number().int().min(1).max(1000).default(10),
});

/**
 * Token bucket, computed as GCRA: holds up to `burst` (default `limit`), refills `limit` per
 * `windowMs` continuously. Allows bursts, then a steady rate. A new key starts full.
 */
export const tokenBucketRuleSchema = z.object({
  ...ruleBase,
  algorithm: z.literal('token-bucket'),
  /**
   * Capacity of the bucket: the largest burst.
   * @default limit
   */
  burst: amountSchema.optional(),
});

/**
 * Cheapest: a counter per window. `anchor: 'epoch'` aligns windows to the epoch (a daily budget
 * resets at 00:00 UTC); `'first-hit'` starts a window at the first call after the last one ended.
 */
export const fixedWindowRuleSchema = z.object({
  ...ruleBase,
  algorithm: z.literal('fixed-window'),
  /**
   * Where windows start.
   * @default 'epoch'
   */
  anchor: z.enum(['epoch', 'first-hit']).default('epoch'),
});

export const rateLimitRuleSchema = z.discriminatedUnion('algorithm', [
  slidingWindowRuleSchema,
  tokenBucketRuleSchema,
  fixedWindowRuleSchema,
]);

/** A rule as written in options. */
export type RateLimitRuleInput = z.input<typeof rateLimitRuleSchema>;
/** A rule with every default applied (`burst` resolved for token buckets). */
export type RateLimitRule =
  | z.output<typeof slidingWindowRuleSchema>
  | (Omit<z.output<typeof tokenBucketRuleSchema>, 'burst'> & { burst: number })
  | z.output<typeof fixedWindowRuleSchema>;

/** Options every rate limiter driver shares. */
export const rateLimiterOptionsSchema = z
  .object({
    /**
     * Names this limiter's stored state: limiters with the same name and rules share counters,
     * limiters with different names never touch each other's.
     * @default 'default'
     */
    name: rateLimitNameSchema.default('default'),
    /** The rules, checked together on every call (all-or-nothing). */
    limits: z.array(rateLimitRuleSchema).min(1).max(32),
  })
  .superRefine((options, context) => {
    const seen = new Set<string>();
    options.limits.forEach((rule, index) => {
      const id = `${rule.scope}/${rule.name}`;
      if (seen.has(id))
        context.addIssue({
          code: 'custom',
          path: ['limits', index, 'name'],
          message: `duplicate rule ${id}`,
        });
      seen.add(id);
      if (
        rule.algorithm === 'token-bucket' &&
        ((rule.burst ?? rule.limit) * rule.windowMs) / rule.limit > MAX_RATE_LIMIT_HORIZON_MS
      )
        context.addIssue({
          code: 'custom',
          path: ['limits', index, 'burst'],
          message: `the bucket takes longer than ${MAX_RATE_LIMIT_HORIZON_MS} ms (burst / limit × windowMs) to refill`,
        });
      if (rule.algorithm === 'sliding-window' && rule.windowMs < rule.segments)
        context.addIssue({
          code: 'custom',
          path: ['limits', index, 'segments'],
          message: 'segments must not exceed windowMs (a bucket is at least 1 ms)',
        });
    });
  });

export type RateLimiterOptions = z.input<typeof rateLimiterOptionsSchema>;

/**
 * What a call is checked against: a string (the `default` scope) or one id per scope,
 * e.g. `{ user: 'u1', tenant: 't1', provider: 'openai' }`. Scopes left out are not checked.
 */
export type RateLimitKey = string | Readonly<Record<string, string>>;

export const rateLimitKeySchema = z.union([
  idSchema,
  z
    .record(rateLimitNameSchema, idSchema)
    .refine((record) => Object.keys(record).length > 0, 'must name at least one scope'),
]);

/**
 * What a call costs. A number is charged to every rule; a record is matched to each rule's `unit`
 * (`{ tokens: 1200, usd: 0.03 }`). In a record, a unit left out costs 0, except `requests`: 1.
 * A rule charged 0 still denies once it is exhausted.
 */
export type RateLimitCost = number | Readonly<Record<string, number>>;

const costRecordSchema = z.record(rateLimitNameSchema, costAmountSchema);

/** A `limit` cost: a positive number or a record of non-negative amounts. */
export const rateLimitCostSchema = z.union([positiveCostSchema, costRecordSchema]);

/** A `peek` or `reconcile` cost, where 0 makes sense (is the key exhausted? the call used nothing). */
export const rateLimitAmountSchema = z.union([costAmountSchema, costRecordSchema]);

export interface RateLimitCallOptions {
  /**
   * What the call costs.
   * @default 1
   */
  cost?: RateLimitCost;
}

export const rateLimitCallOptionsSchema = z.object({ cost: rateLimitCostSchema.optional() }).optional();

/** `peek` options: a zero cost asks whether the key is exhausted. */
export const rateLimitPeekOptionsSchema = z.object({ cost: rateLimitAmountSchema.optional() }).optional();

/** After an LLM call: the real cost is known, so refund or charge the difference. */
export interface RateLimitReconcileOptions {
  /** What `limit()` charged. */
  reserved: RateLimitCost;
  /** What the call really cost. */
  actual: RateLimitCost;
  /**
   * `checkedAt` of the `limit()` result that reserved: a refund then goes back to the window (or
   * bucket segment) that was charged, and is dropped once that has expired.
   * @default now
   */
  checkedAt?: number;
}

export const rateLimitReconcileOptionsSchema = z.object({
  reserved: rateLimitAmountSchema,
  actual: rateLimitAmountSchema,
  checkedAt: z.number().finite().nonnegative().max(MAX_RATE_LIMIT_CHECKED_AT_MS).optional(),
});

/** Longest `block()`: 400 days. */
export const blockDurationSchema = z.number().int().min(1).max(MAX_RATE_LIMIT_WINDOW_MS);

/**
 * Why a call was not admitted, or (`store-unavailable` with `allowed: true`) why it was admitted
 * without a check.
 * - `limited`: a rule has no room for this cost now; `retryAfterMs` says when it will.
 * - `cost-exceeds-limit`: the cost is larger than a rule's limit (or burst); it never fits.
 * - `blocked`: the key is on the deny list (`block()`).
 * - `store-unavailable`: the backing store was down or slower than the timeout; the driver's
 *   failure policy decided.
 */
export type RateLimitReason = 'limited' | 'cost-exceeds-limit' | 'blocked' | 'store-unavailable';

/** One rule's own verdict for one key. */
export interface RateLimitRuleResult {
  readonly scope: string;
  /** The id the rule was checked against. */
  readonly key: string;
  /** The rule's name. */
  readonly rule: string;
  readonly unit: string;
  readonly algorithm: RateLimitAlgorithm;
  /** True when this rule alone has room for the cost. */
  readonly allowed: boolean;
  /** The rule's limit (token bucket: its burst). */
  readonly limit: number;
  /** Room left after this call (0 when none); may be fractional. */
  readonly remaining: number;
  /** When the rule's usage is back to zero if nothing else is admitted (ms since epoch). */
  readonly resetAt: number;
  /** 0 when allowed; else ms until the same cost fits, `Infinity` when it never will. */
  readonly retryAfterMs: number;
  /** What the rule was charged by this call (0 when not admitted, or for `peek`). */
  readonly charged: number;
}

export interface RateLimitResult {
  /** True when every rule of every key admitted the call (and all were charged). */
  readonly allowed: boolean;
  /**
   * The binding rule's figures: when denied, the denying rule that keeps the caller waiting
   * longest; when allowed, the rule with the least room left relative to its limit.
   */
  readonly limit: number;
  readonly remaining: number;
  readonly resetAt: number;
  /** 0 when allowed; else ms until the same call would be admitted, `Infinity` when never. */
  readonly retryAfterMs: number;
  /** Set when denied, or when admitted without a check (`store-unavailable`). */
  readonly reason?: RateLimitReason;
  /** Scope and name of the binding rule, when there is one. */
  readonly scope?: string;
  readonly rule?: string;
  /** The store's time of the decision (ms since epoch): pass it to `reconcile`. */
  readonly checkedAt: number;
  /** Every rule's own verdict (empty when the store was not asked). */
  readonly rules: readonly RateLimitRuleResult[];
}

export interface RateLimiter {
  /** The rules, with defaults applied. */
  readonly limits: readonly RateLimitRule[];
  /**
   * Checks every rule of every scope in `key` and, when all admit, charges them all — otherwise
   * none. One round trip for drivers with a store.
   */
  limit(key: RateLimitKey, options?: RateLimitCallOptions): Promise<RateLimitResult>;
  /**
   * Like `limit`, but charges nothing: `allowed` says whether `cost` would fit now, `remaining`
   * is the room left now. A zero cost asks whether the key is exhausted.
   */
  peek(key: RateLimitKey, options?: RateLimitCallOptions): Promise<RateLimitResult>;
  /**
   * Refunds (`actual < reserved`) or charges (`actual > reserved`) the difference, per rule. A
   * charge always applies, even past the limit — the cost was already spent. Returns the state
   * after the adjustment, as `peek` with a zero cost sees it.
   */
  reconcile(key: RateLimitKey, options: RateLimitReconcileOptions): Promise<RateLimitResult>;
  /** Forgets all usage and any block of the key(s). */
  reset(key: RateLimitKey): Promise<void>;
  /** Denies every call for the key(s) for `ms` (a deny list), whatever the rules say. */
  block(key: RateLimitKey, ms: number): Promise<void>;
}
