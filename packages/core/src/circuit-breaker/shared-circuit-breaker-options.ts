import { z } from 'zod';
import { circuitBreakerOptionsSchema } from './circuit-breaker.js';

/** What a driver with a shared store does while the store cannot be reached. */
export type CircuitBackendFallback = 'local' | 'allow' | 'reject';

/**
 * Options of drivers whose state lives in a store shared by processes (Redis): the policy plus
 * how each process caches the state and degrades when the store is gone.
 */
export const sharedCircuitBreakerOptionsSchema = circuitBreakerOptionsSchema.safeExtend({
  /**
   * Oldest local snapshot a call may be decided on without a round trip. Bounds how long a
   * process can miss a state change when a pub/sub notice is lost.
   * @default 50
   */
  maxStalenessMs: z.number().int().min(0).max(60_000).default(50),
  /**
   * Longest a success waits to be written together with others in one store call. Failures
   * are written at once.
   * @default 20
   */
  flushIntervalMs: z.number().int().min(0).max(60_000).default(20),
  /**
   * While the store is unreachable: 'local' decides with an in-process breaker fed by this
   * process's own outcomes; 'allow' admits every call (fail open); 'reject' admits none (fail closed).
   * @default 'local'
   */
  onBackendUnavailable: z.enum(['local', 'allow', 'reject']).default('local'),
  /**
   * A store call slower than this counts as the store being unavailable.
   * @default 500
   */
  backendTimeoutMs: z.number().int().min(1).max(60_000).default(500),
  /**
   * After the store failed, how long to stay degraded before trying it again.
   * @default 1_000
   */
  backendRetryMs: z.number().int().min(1).max(600_000).default(1_000),
});

export type SharedCircuitBreakerOptions = z.input<typeof sharedCircuitBreakerOptionsSchema>;
export type ResolvedSharedCircuitBreakerOptions = z.output<typeof sharedCircuitBreakerOptionsSchema>;
