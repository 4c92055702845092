// How an orchestration adapter reads a model call's error: its cause chain, HTTP status, and
// whether another provider may succeed where this one failed.
import { CircuitOpenError } from './circuit-breaker/index.js';

/** The error and every `cause` below it (middleware wraps errors in `MiddlewareError`). */
export function* errorChain(error: unknown): Generator<unknown> {
  const seen = new Set<unknown>();
  let current = error;
  while (current !== undefined && current !== null && !seen.has(current)) {
    seen.add(current);
    yield current;
    current = (current as { cause?: unknown }).cause;
  }
}

/** The HTTP status a provider error carries (`status`, `statusCode` or `response.status`). */
export function errorStatus(error: unknown): number | undefined {
  for (const each of errorChain(error)) {
    const candidate = each as { status?: unknown; statusCode?: unknown; response?: { status?: unknown } };
    for (const value of [candidate.status, candidate.statusCode, candidate.response?.status]) {
      if (typeof value === 'number') return value;
    }
  }
  return undefined;
}

/** True when the chain holds an open-breaker rejection. */
export function isCircuitOpen(error: unknown): boolean {
  for (const each of errorChain(error)) if (CircuitOpenError.isInstance(each)) return true;
  return false;
}

function isTimeout(error: unknown): boolean {
  for (const each of errorChain(error)) {
    const candidate = each as { name?: unknown; code?: unknown; message?: unknown };
    if (candidate.name === 'TimeoutError' || candidate.code === 'ETIMEDOUT') return true;
    if (typeof candidate.message === 'string' && /timed? ?out/i.test(candidate.message)) return true;
  }
  return false;
}

/** Why another provider may succeed where this one failed: 429, 5xx, timeout, open breaker. */
export function fallbackReason(
  error: unknown,
): 'rate-limited' | 'server-error' | 'timeout' | 'circuit-open' | undefined {
  if (isCircuitOpen(error)) return 'circuit-open';
  const status = errorStatus(error);
  if (status === 429) return 'rate-limited';
  if (status !== undefined && status >= 500) return 'server-error';
  if (isTimeout(error)) return 'timeout';
  return undefined;
}
