// The circuit breaker's user API (also exported from the package root). Material for driver authors
// (base class, ledgers, schemas, policy helpers) is exported from ../driver-kit/index.ts instead.
export {
  CircuitOpenError,
  type CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitBreakerEvent,
  type CircuitBackendEvent,
  type CircuitStateChange,
  type CircuitState,
  type CircuitTransitionReason,
  type CircuitRejectReason,
  type CircuitPermit,
  type CircuitAcquireResult,
  type CircuitOutcome,
  type CircuitSnapshot,
} from './circuit-breaker.js';
export { InMemoryCircuitBreaker, type InMemoryCircuitBreakerOptions } from './in-memory-circuit-breaker.js';
export { InMemoryCircuitBreakerStore } from './in-memory-circuit-breaker-store.js';
export type {
  CircuitBackendFallback,
  SharedCircuitBreakerOptions,
} from './shared-circuit-breaker-options.js';
export type { CircuitBreakerInspector } from './circuit-breaker-inspector.js';
