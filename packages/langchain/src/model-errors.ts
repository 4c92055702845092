import { getRetryable } from '@langchain/core/errors';
import { CircuitOpenError } from '@tristack/core';
import { errorChain, errorStatus, fallbackReason, isCircuitOpen } from '@tristack/core/driver-kit';

// Framework-neutral error reading lives in the core driver kit, shared with the other adapters.
export { errorChain, errorStatus, isCircuitOpen, fallbackReason };

/**
 * `retryOn` for `modelRetryMiddleware`: honours a non-retryable stamp anywhere in the cause chain
 * (LangChain wraps middleware errors, which hides the stamp from its own default), and never
 * retries an open breaker.
 */
export function isRetryableModelError(error: unknown): boolean {
  for (const each of errorChain(error)) {
    if (CircuitOpenError.isInstance(each)) return false;
    const stamped = getRetryable(each);
    if (stamped !== undefined) return stamped;
    if ((each as { retryable?: unknown }).retryable === false) return false;
  }
  const status = errorStatus(error);
  return status === undefined || status === 408 || status === 429 || status >= 500;
}
