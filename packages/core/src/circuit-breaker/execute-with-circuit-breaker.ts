import type { Clock } from '../clock.js';
import { CircuitOpenError, type CircuitBreaker } from './circuit-breaker.js';

export interface ExecuteWithCircuitBreakerOptions {
  /** Measures the call for slow-call detection. */
  clock: Clock;
  /** Driver name for the `CircuitOpenError` message. */
  driver: string;
  /**
   * Wait for a success to reach the shared state before returning the result. Drivers that batch
   * successes pass false so the closed path adds no round trip. Failures are always awaited, so
   * the caller sees the error only once the breaker counted it.
   */
  awaitSuccess: boolean;
}

/** The `execute` of every driver: acquire, run, record; rejection is a `CircuitOpenError`. */
export async function executeWithCircuitBreaker<T>(
  breaker: Pick<CircuitBreaker, 'acquire' | 'record'>,
  name: string,
  fn: () => T | PromiseLike<T>,
  options: ExecuteWithCircuitBreakerOptions,
): Promise<T> {
  const admission = await breaker.acquire(name);
  if (!admission.admitted) {
    throw new CircuitOpenError(
      { name, state: admission.state, reason: admission.reason, retryAfterMs: admission.retryAfterMs },
      { driver: options.driver },
    );
  }
  const started = options.clock.now();
  let result: T;
  try {
    result = await fn();
  } catch (error) {
    // Bookkeeping must never replace the caller's error.
    await breaker
      .record(admission.permit, { status: 'failure', error, durationMs: options.clock.now() - started })
      .catch(() => {});
    throw error;
  }
  const recorded = breaker
    .record(admission.permit, { status: 'success', durationMs: options.clock.now() - started })
    .catch(() => {});
  if (options.awaitSuccess) await recorded;
  return result;
}
