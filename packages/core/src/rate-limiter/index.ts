// The rate limiter's user API (also exported from the package root). Material for driver authors
// (base class, planning and algorithm helpers, schemas, bounds) is exported from ../driver-kit/index.ts.
export type {
  RateLimitAlgorithm,
  RateLimitRuleInput,
  RateLimitRule,
  RateLimiterOptions,
  RateLimitKey,
  RateLimitCost,
  RateLimitCallOptions,
  RateLimitReconcileOptions,
  RateLimitReason,
  RateLimitRuleResult,
  RateLimitResult,
  RateLimiter,
} from './rate-limiter.js';
export { InMemoryRateLimiter, type InMemoryRateLimiterOptions } from './in-memory-rate-limiter.js';
export type { StoreRateLimiterOptions } from './store-rate-limiter-options.js';
export type {
  RateLimiterInspector,
  RateLimitKeyInspection,
  RateLimitKeyInspectionOptions,
  RateLimitKeyState,
  RateLimitRuleState,
} from './rate-limiter-inspector.js';
