import { stampRetryable } from '@langchain/core/errors';
import { createMiddleware } from 'langchain';
import { CircuitOpenError, type CircuitBreaker } from '@tristack/core';
import { modelName } from '../model-identity.js';

export interface CircuitBreakerMiddlewareOptions {
  breaker: CircuitBreaker;
  /**
   * The breaker name of a model.
   * @default `model:<model id>`
   */
  name?: (model: unknown) => string;
  /** Guard tool calls too, one breaker per tool (`tool:<name>`). @default false */
  tools?: boolean;
}

/** Breaker name of a model call. */
export const defaultModelBreakerName = (model: unknown): string => `model:${modelName(model)}`;

/** Runs `fn` through the breaker; an open breaker throws a `CircuitOpenError` stamped non-retryable. */
export async function throughBreaker<T>(
  breaker: CircuitBreaker,
  name: string,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await breaker.execute(name, fn);
  } catch (error) {
    if (CircuitOpenError.isInstance(error)) stampRetryable(error, false);
    throw error;
  }
}

/**
 * A fleet-wide circuit breaker per provider/model: a call on an open breaker fails fast with a
 * non-retryable `CircuitOpenError` (retry layers must not loop on it; a fallback may move on).
 */
export function circuitBreakerMiddleware(options: CircuitBreakerMiddlewareOptions) {
  const nameOf = options.name ?? defaultModelBreakerName;
  return createMiddleware({
    name: 'TristackCircuitBreaker',
    wrapModelCall: (request, handler) =>
      throughBreaker(options.breaker, nameOf(request.model), async () => handler(request)),
    ...(options.tools
      ? {
          wrapToolCall: (request, handler) =>
            throughBreaker(options.breaker, `tool:${request.toolCall.name}`, async () => handler(request)),
        }
      : {}),
  });
}
