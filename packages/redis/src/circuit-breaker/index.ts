export { RedisCircuitBreaker, type RedisCircuitBreakerOptions } from './redis-circuit-breaker.js';
export type { SubscribableClientLike } from './circuit-event-subscription.js';
export {
  RedisCircuitBreakerInspector,
  type RedisCircuitBreakerInspectorOptions,
} from './redis-circuit-breaker-inspector.js';
