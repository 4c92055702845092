import type {
  LanguageModelV3CallOptions,
  LanguageModelV3GenerateResult,
  LanguageModelV3Middleware,
} from '@ai-sdk/provider';
import { z } from 'zod';
import {
  BackendUnavailableError,
  type RateLimitKey,
  type RateLimiter,
  type RateLimitResult,
} from '@tristack/core';
import {
  identityRateLimitKeys,
  RateLimitedError as CoreRateLimitedError,
  recordRateLimitDecision,
  TelemetrySpanKind,
  TelemetrySpanName,
} from '@tristack/core/driver-kit';
import {
  estimatePromptTokens,
  replayStream,
  tapStream,
  totalTokens,
  withTristackMetadata,
  ZERO_USAGE,
} from '../model-call.js';
import { MissingRunIdentityError, resolveIdentity, type RunIdentity } from '../run-identity.js';
import { aiSdkTelemetry } from '../telemetry.js';
import {
  countOption,
  functionOption,
  identitySourceOption,
  instanceOption,
  parseMiddlewareOptions,
} from './middleware-option-schemas.js';

/** A model call was denied by the rate limiter (`onDenied: 'throw'`). Not retryable. */
export class RateLimitedError extends CoreRateLimitedError {
  /** The AI SDK's retry reads this: a denial is not retried by `maxRetries`. */
  readonly isRetryable = false as const;
  constructor(what: string, result: RateLimitResult) {
    super(what, result, { driver: 'ai-sdk' });
  }
}

export const rateLimitMiddlewareOptionsSchema = z.strictObject({
  limiter: instanceOption<RateLimiter>('limiter', ['limit', 'reconcile']),
  /**
   * The limiter key of a call.
   * @default one id per scope of the limiter's rules, from the call's trusted identity
   * (`identityRateLimitKeys` of the core driver kit, as the LangChain adapter): a call lacking the
   * id a rule's scope needs throws `MissingRunIdentityError` (never a shared bucket)
   */
  key: functionOption<(identity: RunIdentity) => RateLimitKey>('key').optional(),
  /** The id of `provider`-scope rules with the default key (e.g. `'openai'`). */
  provider: z.string().min(1).optional(),
  /** @default the identity set by `withRunIdentity` */
  identity: identitySourceOption,
  /** Tokens a call is charged before it runs (reconciled with `usage` after). @default ~4 chars per token + `expectedOutputTokens` */
  estimateTokens: functionOption<(params: LanguageModelV3CallOptions) => number>('estimateTokens').optional(),
  /** Output tokens assumed by the default estimate. @default 256 */
  expectedOutputTokens: countOption(0).default(256),
  /**
   * A denial: `'wait'` sleeps until admitted (at most `maxWaitMs`), `'end'` answers with
   * `deniedMessage` (finish reason `other`, `providerMetadata.tristack.rateLimited`), `'throw'`
   * throws `RateLimitedError`.
   * @default 'end'
   */
  onDenied: z.enum(['wait', 'end', 'throw']).default('end'),
  /** @default 10_000 */
  maxWaitMs: countOption(0, 24 * 60 * 60 * 1000).default(10_000),
  deniedMessage: functionOption<(result: RateLimitResult) => string>('deniedMessage').optional(),
});
export type RateLimitMiddlewareOptions = z.input<typeof rateLimitMiddlewareOptionsSchema>;
type Resolved = z.output<typeof rateLimitMiddlewareOptionsSchema>;

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });

/** One request plus the tokens, in the units the limiter's rules count (a tokens-only limiter is charged no request). */
function costFor(limiter: RateLimiter, tokens: number): Record<string, number> {
  const units = new Set(limiter.limits.map((rule) => rule.unit));
  return { ...(units.has('requests') ? { requests: 1 } : {}), ...(units.has('tokens') ? { tokens } : {}) };
}

async function admit(
  options: Resolved,
  key: RateLimitKey,
  cost: Record<string, number>,
  signal?: AbortSignal,
) {
  return aiSdkTelemetry.inSpan(TelemetrySpanName.rateLimit, TelemetrySpanKind.INTERNAL, async (span) => {
    const deadline = Date.now() + options.maxWaitMs;
    for (;;) {
      const result = await options.limiter.limit(key, { cost });
      recordRateLimitDecision(aiSdkTelemetry, span, result);
      // An unavailable store is no window to wait out.
      if (result.allowed || result.reason === 'store-unavailable' || options.onDenied !== 'wait')
        return result;
      const wait = result.retryAfterMs;
      if (!Number.isFinite(wait) || Date.now() + wait > deadline) return result;
      await sleep(Math.max(1, wait), signal);
    }
  });
}

/** A fail-open limiter admitted the call without a check: the audit records it. */
const UNCHECKED = { rateLimitUnchecked: 'store-unavailable' } as const;

const defaultDeniedMessage = (result: RateLimitResult) =>
  `Rate limit reached${result.rule ? ` (${result.rule})` : ''}; please try again in ${Math.ceil(result.retryAfterMs / 1000)} s.`;

/**
 * Fleet-wide rate limiting for `wrapLanguageModel`: each call (generate or stream) is charged one
 * request plus its estimated tokens before it runs, then reconciled with the `usage` the model
 * reports (at the stream's `finish` part for streams). The key comes from the trusted identity.
 * The admission (every limiter check, waits included) is a `tristack.rate_limit` span.
 */
export function rateLimitMiddleware(input: RateLimitMiddlewareOptions): LanguageModelV3Middleware {
  const options = parseMiddlewareOptions(rateLimitMiddlewareOptionsSchema, input, 'rateLimitMiddleware');
  const keyOf =
    options.key ??
    identityRateLimitKeys(options.limiter, {
      provider: options.provider,
      what: 'rateLimitMiddleware',
      driver: 'ai-sdk',
      missingIdentity: (what, missing) => new MissingRunIdentityError(what, missing),
    }).model;
  const estimate =
    options.estimateTokens ??
    ((params: LanguageModelV3CallOptions) => estimatePromptTokens(params) + options.expectedOutputTokens);
  const deniedMessage = options.deniedMessage ?? defaultDeniedMessage;

  async function reserve(params: LanguageModelV3CallOptions) {
    const key = keyOf(resolveIdentity(options.identity));
    const cost = costFor(options.limiter, estimate(params));
    const result = await admit(options, key, cost, params.abortSignal);
    // A fail-closed limiter whose store is down: an outage, not the caller's rate limit.
    if (!result.allowed && result.reason === 'store-unavailable')
      throw new BackendUnavailableError(
        'rateLimitMiddleware: the rate limiter store is unavailable (fail-closed)',
        {
          driver: 'ai-sdk',
        },
      );
    if (!result.allowed && options.onDenied === 'throw') throw new RateLimitedError('model call', result);
    const reconcile = async (usageTotal: number | undefined) => {
      if (usageTotal === undefined) return;
      // The reservation was a guess: refund or charge the difference against the same window.
      await options.limiter
        .reconcile(key, {
          reserved: cost,
          actual: costFor(options.limiter, usageTotal),
          checkedAt: result.checkedAt,
        })
        .catch(() => {});
    };
    return { result, reconcile };
  }

  const denial = (result: RateLimitResult): LanguageModelV3GenerateResult => ({
    content: [{ type: 'text', text: deniedMessage(result) }],
    finishReason: { unified: 'other', raw: 'rate-limited' },
    usage: ZERO_USAGE,
    warnings: [],
    providerMetadata: withTristackMetadata(undefined, {
      rateLimited: { retryAfterMs: result.retryAfterMs, ...(result.rule ? { rule: result.rule } : {}) },
    }),
  });

  return {
    specificationVersion: 'v3',
    wrapGenerate: async ({ doGenerate, params }) => {
      const { result, reconcile } = await reserve(params);
      if (!result.allowed) return denial(result);
      const response = await doGenerate();
      await reconcile(totalTokens(response.usage));
      return result.reason === 'store-unavailable'
        ? { ...response, providerMetadata: withTristackMetadata(response.providerMetadata, UNCHECKED) }
        : response;
    },
    wrapStream: async ({ doStream, params }) => {
      const { result, reconcile } = await reserve(params);
      if (!result.allowed) return replayStream(denial(result).content, denial(result));
      return tapStream(await doStream(), {
        finishAfterError: true,
        onFinish: async (outcome, part) => {
          await reconcile(totalTokens(outcome.usage));
          if (result.reason === 'store-unavailable')
            return { ...part, providerMetadata: withTristackMetadata(part.providerMetadata, UNCHECKED) };
        },
      });
    },
  };
}
