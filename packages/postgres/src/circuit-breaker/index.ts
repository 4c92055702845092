export { PostgresCircuitBreaker, type PostgresCircuitBreakerOptions } from './postgres-circuit-breaker.js';
