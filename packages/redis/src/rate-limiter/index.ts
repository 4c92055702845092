export { RedisRateLimiter, type RedisRateLimiterOptions } from './redis-rate-limiter.js';
export {
  RedisRateLimiterInspector,
  type RedisRateLimiterInspectorOptions,
} from './redis-rate-limiter-inspector.js';
