export { PostgresRateLimiter, type PostgresRateLimiterOptions } from './postgres-rate-limiter.js';
export {
  PostgresRateLimiterInspector,
  type PostgresRateLimiterInspectorOptions,
} from './postgres-rate-limiter-inspector.js';
