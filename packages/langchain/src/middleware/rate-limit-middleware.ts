import { AIMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { createMiddleware } from 'langchain';
import { z } from 'zod';
import { compositeKey, type RateLimitKey, type RateLimiter, type RateLimitResult } from '@tristack/core';
import {
  RateLimitedError as CoreRateLimitedError,
  recordRateLimitDecision,
  TelemetrySpanKind,
  TelemetrySpanName,
} from '@tristack/core/driver-kit';
import { runIdentityContextSchema, type RunIdentity } from '../run-context.js';
import { langchainTelemetry } from '../telemetry.js';
import {
  countOption,
  functionOption,
  identityOption,
  instanceOption,
  parseMiddlewareOptions,
} from './middleware-option-schemas.js';
import { identityRateLimitKeys } from './rate-limit-key.js';

/** A model call or tool call was denied by the rate limiter (`onDenied: 'throw'`). Not retryable. */
export class RateLimitedError extends CoreRateLimitedError {
  constructor(what: string, result: RateLimitResult) {
    super(what, result, { driver: 'langchain' });
  }
}

export const rateLimitMiddlewareOptionsSchema = z.strictObject({
  limiter: instanceOption<RateLimiter>('limiter', ['limit', 'reconcile']),
  /**
   * The limiter key of a call.
   * @default one id per scope the limiter has rules for, from the run's trusted identity
   * (`identityRateLimitKeys`): `user` → `tenant=<t>:user=<u>`, `tenant` → `tenant=<t>`,
   * `default` → `tenant=<t>` (or `user=<u>` without a tenant), `provider` → `provider=<p>`. A run
   * lacking the id a rule's scope needs throws `MissingRunIdentityError` (never a shared bucket);
   * a scope no id can fill is an `InvalidOptionsError` when the middleware is created.
   */
  key: functionOption<(identity: RunIdentity) => RateLimitKey>('key').optional(),
  /** The id of `provider`-scope rules with the default key (e.g. `'openai'`): one budget for every caller. */
  provider: z.string().min(1).optional(),
  /** @default defaultRunIdentity (context.tenantId / userId, configurable.thread_id) */
  identity: identityOption,
  /**
   * Tokens a model call is charged before it runs (reconciled with the real usage after).
   * @default about 4 characters per token of the messages, plus `expectedOutputTokens`
   */
  estimateTokens: functionOption<(messages: readonly BaseMessage[]) => number>('estimateTokens').optional(),
  /** Output tokens assumed by the default estimate. @default 256 */
  expectedOutputTokens: countOption(0).default(256),
  /**
   * What a denial does: `'wait'` sleeps until the limiter admits (at most `maxWaitMs` in all),
   * `'end'` ends the turn with `deniedMessage`, `'throw'` throws `RateLimitedError`.
   * @default 'end'
   */
  onDenied: z.enum(['wait', 'end', 'throw']).default('end'),
  /** Longest total wait with `onDenied: 'wait'`; past it the call ends as with `'end'`. @default 10_000 */
  maxWaitMs: countOption(0, 24 * 60 * 60 * 1000).default(10_000),
  /** The answer that ends the turn on a denial. */
  deniedMessage: functionOption<(result: RateLimitResult) => string>('deniedMessage').optional(),
  /**
   * Charge tool calls too (one request each, key from `toolKey`). A denied tool call answers the
   * model with an error tool message.
   * @default false
   */
  tools: z.boolean().default(false),
  /**
   * @default with the default key, each scope's id with `tool=<name>` as one more typed part; with
   * a custom `key`, a record key with `tool` set to `tool=<name>`, or `key=<key>:tool=<name>`
   */
  toolKey: functionOption<(identity: RunIdentity, toolName: string) => RateLimitKey>('toolKey').optional(),
});
export type RateLimitMiddlewareOptions = z.input<typeof rateLimitMiddlewareOptionsSchema>;
type ResolvedRateLimitMiddlewareOptions = z.output<typeof rateLimitMiddlewareOptionsSchema>;

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

/** The default estimate: ~4 characters per token, 4 tokens per message. */
export function estimateMessagesTokens(messages: readonly BaseMessage[]): number {
  let characters = 0;
  for (const message of messages) {
    characters +=
      typeof message.content === 'string' ? message.content.length : JSON.stringify(message.content).length;
  }
  return Math.ceil(characters / 4) + 4 * messages.length;
}

/** One request plus the estimated tokens, in the units the limiter's rules count. */
function costFor(limiter: RateLimiter, tokens: number): Record<string, number> {
  const units = new Set(limiter.limits.map((rule) => rule.unit));
  return units.has('tokens') ? { requests: 1, tokens } : { requests: 1 };
}

/** Charges `cost` to `key`, waiting as the options say. Returns the admitting result or the final denial. */
async function admit(
  options: ResolvedRateLimitMiddlewareOptions,
  key: RateLimitKey,
  cost: Record<string, number>,
  signal: AbortSignal | undefined,
): Promise<RateLimitResult> {
  return langchainTelemetry.inSpan(TelemetrySpanName.rateLimit, TelemetrySpanKind.INTERNAL, async (span) => {
    const deadline = Date.now() + options.maxWaitMs;
    for (;;) {
      const result = await options.limiter.limit(key, { cost });
      recordRateLimitDecision(langchainTelemetry, span, result);
      if (result.allowed || options.onDenied !== 'wait') return result;
      const wait = result.retryAfterMs;
      if (!Number.isFinite(wait) || Date.now() + wait > deadline) return result;
      await sleep(Math.max(1, wait), signal);
    }
  });
}

const defaultDeniedMessage = (result: RateLimitResult) =>
  `Rate limit reached${result.rule ? ` (${result.rule})` : ''}; please try again in ${Math.ceil(result.retryAfterMs / 1000)} s.`;

/**
 * Distributed rate limiting for `createAgent`: every model call is charged one request plus its
 * estimated tokens before it runs, then reconciled with the real usage; tool calls optionally too.
 * Place it inside `modelRetryMiddleware` (after it in the array) so each attempt is charged.
 * The default key comes from the run's trusted `context` (see `key`): a run lacking the id a
 * rule's scope needs fails with `MissingRunIdentityError` (wrapped by LangChain's
 * `MiddlewareError`, as its `cause`) instead of sharing a bucket with every other such run.
 */
export function rateLimitMiddleware(input: RateLimitMiddlewareOptions) {
  const options = parseMiddlewareOptions(rateLimitMiddlewareOptionsSchema, input, 'rateLimitMiddleware');
  const identityOf = options.identity;
  // Derived (and checked against the rules' scopes) only when no key function is given.
  const derived = options.key
    ? undefined
    : identityRateLimitKeys(options.limiter, { provider: options.provider, what: 'rateLimitMiddleware' });
  const keyOf = options.key ?? derived!.model;
  const estimate =
    options.estimateTokens ??
    ((messages: readonly BaseMessage[]) => estimateMessagesTokens(messages) + options.expectedOutputTokens);
  const deniedMessage = options.deniedMessage ?? defaultDeniedMessage;
  const toolKeyOf =
    options.toolKey ??
    derived?.tool ??
    ((identity: RunIdentity, tool: string): RateLimitKey => {
      const key = keyOf(identity);
      return typeof key === 'string'
        ? compositeKey([
            ['key', key],
            ['tool', tool],
          ])
        : { ...key, tool: compositeKey([['tool', tool]]) };
    });
  return createMiddleware({
    name: 'TristackRateLimit',
    contextSchema: runIdentityContextSchema,
    wrapModelCall: async (request, handler) => {
      const key = keyOf(identityOf(request.runtime));
      const cost = costFor(options.limiter, estimate(request.messages));
      // Charged here, inside the response cache: only a cache miss reaches this (a hit costs no budget).
      const result = await admit(options, key, cost, request.runtime.signal);
      if (!result.allowed) {
        if (options.onDenied === 'throw') throw new RateLimitedError('model call', result);
        return new AIMessage({
          content: deniedMessage(result),
          response_metadata: {
            tristack: { rateLimited: { retryAfterMs: result.retryAfterMs, rule: result.rule } },
          },
        });
      }
      const response = await handler(request);
      const usage = AIMessage.isInstance(response) ? response.usage_metadata : undefined;
      if (usage) {
        // The reservation was a guess: refund or charge the difference against the same window.
        // Not awaited, so it travels with the writes the outer middleware make after the call: it
        // goes out on the limiter's connection before the run's next charge, and a failure only
        // leaves the estimate charged (it was ignored before too).
        void options.limiter
          .reconcile(key, {
            reserved: cost,
            actual: costFor(options.limiter, usage.total_tokens),
            checkedAt: result.checkedAt,
          })
          .catch(() => {});
      }
      return response;
    },
    wrapToolCall: async (request, handler) => {
      if (!options.tools) return handler(request);
      const key = toolKeyOf(identityOf(request.runtime), request.toolCall.name);
      const result = await admit(options, key, { requests: 1 }, request.runtime.signal);
      if (result.allowed) return handler(request);
      if (options.onDenied === 'throw') throw new RateLimitedError(`tool ${request.toolCall.name}`, result);
      return new ToolMessage({
        tool_call_id: request.toolCall.id ?? '',
        name: request.toolCall.name,
        status: 'error',
        content: `Tool ${request.toolCall.name} is rate limited; retry after ${result.retryAfterMs} ms.`,
      });
    },
  });
}
