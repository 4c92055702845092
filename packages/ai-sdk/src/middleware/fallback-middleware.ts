import type {
  LanguageModelV3,
  LanguageModelV3GenerateResult,
  LanguageModelV3Middleware,
  LanguageModelV3StreamResult,
} from '@ai-sdk/provider';
import { z } from 'zod';
import type { CircuitBreaker } from '@tristack/core';
import { fallbackReason } from '@tristack/core/driver-kit';
import { modelName, tapStream, withTristackMetadata, type TristackCallMetadata } from '../model-call.js';
import { defaultModelBreakerName, throughBreaker } from './circuit-breaker-middleware.js';
import { functionOption, instanceOption, parseMiddlewareOptions } from './middleware-option-schemas.js';

const isLanguageModel = (value: unknown): value is LanguageModelV3 =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as LanguageModelV3).doGenerate === 'function' &&
  typeof (value as LanguageModelV3).doStream === 'function';

/** 429, 5xx, timeouts and open breakers (the LangChain adapter's rule); `isRetryable` provider errors too. */
const defaultShouldFallback = (error: unknown) =>
  fallbackReason(error) !== undefined || (error as { isRetryable?: unknown })?.isRetryable === true;

export const fallbackMiddlewareOptionsSchema = z.strictObject({
  /** Models to try, in order, after the wrapped one (language models of spec v3). */
  models: z
    .array(z.custom<LanguageModelV3>(isLanguageModel, { message: 'each fallback must be a language model' }))
    .readonly(),
  /** Makes the fallback breaker-aware: each model runs through its breaker; an open one is skipped uncalled. */
  breaker: instanceOption<CircuitBreaker>('breaker', ['execute']).optional(),
  /** @default `model:<model id>` */
  breakerName: functionOption<(model: LanguageModelV3) => string>('breakerName').default(
    () => defaultModelBreakerName,
  ),
  /** Whether an error moves on to the next model. @default 429, 5xx, timeouts, open breakers */
  shouldFallback: functionOption<(error: unknown) => boolean>('shouldFallback').default(
    () => defaultShouldFallback,
  ),
});
export type FallbackMiddlewareOptions = z.input<typeof fallbackMiddlewareOptionsSchema>;

/**
 * Ordered model fallback: on a 429, a 5xx, a timeout or an open breaker, the same call goes to the
 * next model. `providerMetadata.tristack.fallback` says which model served it. A stream falls back
 * only while starting; once parts flow, it is that model's answer.
 */
export function fallbackMiddleware(input: FallbackMiddlewareOptions): LanguageModelV3Middleware {
  const options = parseMiddlewareOptions(fallbackMiddlewareOptionsSchema, input, 'fallbackMiddleware');
  async function firstThatAnswers<Result>(
    model: LanguageModelV3,
    primary: () => PromiseLike<Result>,
    call: (model: LanguageModelV3) => PromiseLike<Result>,
  ): Promise<{ result: Result; fallback?: TristackCallMetadata }> {
    const candidates = [model, ...options.models];
    let lastError: unknown;
    for (const [index, candidate] of candidates.entries()) {
      const attempt = () => (index === 0 ? primary() : call(candidate));
      try {
        const result = options.breaker
          ? await throughBreaker(options.breaker, options.breakerName(candidate), attempt)
          : await attempt();
        if (index === 0) return { result };
        return {
          result,
          fallback: {
            fallback: {
              from: modelName(model),
              to: modelName(candidate),
              reason: fallbackReason(lastError) ?? 'error',
            },
            model: modelName(candidate),
          },
        };
      } catch (error) {
        if (!options.shouldFallback(error)) throw error;
        lastError = error;
      }
    }
    throw lastError;
  }
  return {
    specificationVersion: 'v3',
    wrapGenerate: async ({ doGenerate, params, model }) => {
      const { result, fallback } = await firstThatAnswers<LanguageModelV3GenerateResult>(
        model,
        doGenerate,
        (candidate) => candidate.doGenerate(params),
      );
      return fallback
        ? { ...result, providerMetadata: withTristackMetadata(result.providerMetadata, fallback) }
        : result;
    },
    wrapStream: async ({ doStream, params, model }) => {
      const { result, fallback } = await firstThatAnswers<LanguageModelV3StreamResult>(
        model,
        doStream,
        (candidate) => candidate.doStream(params),
      );
      if (!fallback) return result;
      return tapStream(result, {
        finishAfterError: true,
        onFinish: async (_outcome, part) => ({
          ...part,
          providerMetadata: withTristackMetadata(part.providerMetadata, fallback),
        }),
      });
    },
  };
}
