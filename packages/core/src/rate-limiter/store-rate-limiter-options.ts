import { z } from 'zod';

/**
 * Options of rate limiter drivers whose state lives in a remote store (Redis, …): what to answer
 * when the store is down or slow, and the per-process cache of keys known to deny.
 */
export const storeRateLimiterOptionsSchema = z.object({
  /**
   * How long `limit`/`peek` wait for the store before the failure policy answers instead.
   * @default 1000
   */
  timeoutMs: z.number().int().min(1).max(60_000).default(1_000),
  /**
   * What `limit`/`peek` answer when the store is down or slower than `timeoutMs`: `'fail-open'`
   * admits (protects availability), `'fail-closed'` denies (protects budgets). Either way the
   * result says `reason: 'store-unavailable'`.
   * @default 'fail-closed'
   */
  failurePolicy: z.enum(['fail-open', 'fail-closed']).default('fail-closed'),
  /**
   * Remember, in this process, keys the store said deny every call (blocked, or a rule exhausted)
   * until they may admit again, and deny them without a round trip. `maxKeys: 0` turns it off.
   * @default { maxKeys: 10_000 }
   */
  blockedKeyCache: z
    .object({ maxKeys: z.number().int().min(0).max(10_000_000) })
    .default({ maxKeys: 10_000 }),
});

export type StoreRateLimiterOptions = z.input<typeof storeRateLimiterOptionsSchema>;
export type ResolvedStoreRateLimiterOptions = z.output<typeof storeRateLimiterOptionsSchema>;
