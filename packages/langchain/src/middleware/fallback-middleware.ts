import { AIMessage } from '@langchain/core/messages';
import { createMiddleware, type AgentMiddleware } from 'langchain';
import { z } from 'zod';
import type { CircuitBreaker } from '@tristack/core';
import { withTristackMetadata } from '../cache-request.js';
import { fallbackReason } from '../model-errors.js';
import { modelName } from '../model-identity.js';
import { defaultModelBreakerName, throughBreaker } from './circuit-breaker-middleware.js';
import {
  functionOption,
  instanceOption,
  objectOption,
  parseMiddlewareOptions,
} from './middleware-option-schemas.js';

type AgentModel = Parameters<NonNullable<AgentMiddleware['wrapModelCall']>>[0]['model'];

const defaultShouldFallback = (error: unknown) => fallbackReason(error) !== undefined;

export const fallbackMiddlewareOptionsSchema = z.strictObject({
  /** Models to try, in order, after the agent's own model. Tools and structured output are bound to each. */
  models: z.array(objectOption<AgentModel>('each fallback model')).readonly(),
  /**
   * Makes the fallback breaker-aware: each model runs through its breaker, and a model whose
   * breaker is open is skipped without being called.
   */
  breaker: instanceOption<CircuitBreaker>('breaker', ['execute']).optional(),
  /** @default `model:<model id>` */
  breakerName: functionOption<(model: unknown) => string>('breakerName').default(
    () => defaultModelBreakerName,
  ),
  /**
   * Whether an error moves on to the next model.
   * @default 429, 5xx, timeouts and open breakers; other errors (400, auth, bad input) are thrown
   */
  shouldFallback: functionOption<(error: unknown) => boolean>('shouldFallback').default(
    () => defaultShouldFallback,
  ),
});
export type FallbackMiddlewareOptions = z.input<typeof fallbackMiddlewareOptionsSchema>;

/**
 * Ordered model fallback: on a 429, a 5xx, a timeout or an open breaker, the same request goes to
 * the next model. The answer says in `response_metadata.tristack.fallback` which model served it.
 */
export function fallbackMiddleware(input: FallbackMiddlewareOptions) {
  const options = parseMiddlewareOptions(fallbackMiddlewareOptionsSchema, input, 'fallbackMiddleware');
  const { shouldFallback, breakerName } = options;
  return createMiddleware({
    name: 'TristackFallback',
    wrapModelCall: async (request, handler) => {
      const candidates = [request.model, ...options.models];
      const primary = modelName(request.model);
      let lastError: unknown;
      for (const [index, model] of candidates.entries()) {
        const attempt = async () => handler({ ...request, model });
        try {
          const response = options.breaker
            ? await throughBreaker(options.breaker, breakerName(model), attempt)
            : await attempt();
          if (index === 0 || !AIMessage.isInstance(response)) return response;
          return withTristackMetadata(response, {
            fallback: { from: primary, to: modelName(model), reason: fallbackReason(lastError) ?? 'error' },
            model: modelName(model),
          });
        } catch (error) {
          if (!shouldFallback(error)) throw error;
          lastError = error;
        }
      }
      throw lastError;
    },
  });
}
