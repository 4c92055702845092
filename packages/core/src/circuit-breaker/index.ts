export {
  CircuitOpenError,
  circuitBreakerPolicySchema,
  circuitOutcomeSchema,
  circuitPermitSchema,
  type CircuitBreaker,
  type CircuitBreakerPolicy,
  type CircuitBreakerPolicyInput,
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
export { classifyOutcome, openDurationMs, type CircuitVerdict } from './circuit-policy.js';
export {
  executeWithCircuitBreaker,
  type ExecuteWithCircuitBreakerOptions,
} from './execute-with-circuit-breaker.js';
export {
  InMemoryCircuitBreaker,
  inMemoryCircuitBreakerOptionsSchema,
  type InMemoryCircuitBreakerOptions,
} from './in-memory-circuit-breaker.js';
export {
  InMemoryCircuitBreakerStore,
  type InMemoryCircuitRecord,
} from './in-memory-circuit-breaker-store.js';
export {
  sharedCircuitBreakerOptionsSchema,
  type CircuitBackendFallback,
  type SharedCircuitBreakerOptions,
  type SharedCircuitBreakerOptionsInput,
} from './shared-circuit-breaker-options.js';
export { validateCircuitName, validateCircuitOutcome, CircuitPermitLedger } from './circuit-input.js';
