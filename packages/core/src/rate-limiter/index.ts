export * from './rate-limiter.js';
export {
  planRateLimitCall,
  planRateLimitReconcile,
  resolveRateLimitKey,
  resolveRateLimiterOptions,
  costForRule,
  type RateLimitTarget,
} from './rate-limit-plan.js';
export {
  checkRule,
  chargeRule,
  fitsWithin,
  tolerance,
  type RuleState,
  type RuleVerdict,
} from './rate-limit-algorithms.js';
export { summarizeRateLimit, storeUnavailableResult, toRuleResult } from './rate-limit-result.js';
export { BlockedKeyCache } from './blocked-key-cache.js';
export { InMemoryRateLimiter, type InMemoryRateLimiterOptions } from './in-memory-rate-limiter.js';
export {
  storeRateLimiterOptionsSchema,
  type StoreRateLimiterOptions,
  type StoreRateLimiterOptionsInput,
} from './store-rate-limiter-options.js';
