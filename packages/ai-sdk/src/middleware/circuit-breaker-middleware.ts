import type { LanguageModelV3, LanguageModelV3Middleware } from '@ai-sdk/provider';
import { z } from 'zod';
import { CircuitOpenError, type CircuitBreaker } from '@tristack/core';
import { modelName } from '../model-call.js';
import { functionOption, instanceOption, parseMiddlewareOptions } from './middleware-option-schemas.js';

/** Breaker name of a model: `model:<model id>`, the LangChain adapter's name too (one breaker per model). */
export const defaultModelBreakerName = (model: LanguageModelV3): string => `model:${modelName(model)}`;

export const circuitBreakerMiddlewareOptionsSchema = z.strictObject({
  breaker: instanceOption<CircuitBreaker>('breaker', ['execute']),
  /** @default `model:<model id>` */
  name: functionOption<(model: LanguageModelV3) => string>('name').default(() => defaultModelBreakerName),
});
export type CircuitBreakerMiddlewareOptions = z.input<typeof circuitBreakerMiddlewareOptionsSchema>;

/**
 * Runs `fn` through the breaker; an open breaker throws `CircuitOpenError` marked non-retryable
 * for the AI SDK's own retry (`isRetryable: false`), which must not loop on it.
 */
export async function throughBreaker<T>(
  breaker: CircuitBreaker,
  name: string,
  fn: () => PromiseLike<T>,
): Promise<T> {
  try {
    return await breaker.execute(name, fn);
  } catch (error) {
    if (CircuitOpenError.isInstance(error)) Object.assign(error, { isRetryable: false });
    throw error;
  }
}

/**
 * A fleet-wide circuit breaker per model. A generate call counts as it settles; a stream counts
 * by how it starts (the provider's errors — 429, 5xx, refused connections — come there), so an
 * error part late in a stream does not trip it.
 */
export function circuitBreakerMiddleware(input: CircuitBreakerMiddlewareOptions): LanguageModelV3Middleware {
  const options = parseMiddlewareOptions(
    circuitBreakerMiddlewareOptionsSchema,
    input,
    'circuitBreakerMiddleware',
  );
  return {
    specificationVersion: 'v3',
    wrapGenerate: ({ doGenerate, model }) => throughBreaker(options.breaker, options.name(model), doGenerate),
    wrapStream: ({ doStream, model }) => throughBreaker(options.breaker, options.name(model), doStream),
  };
}
