import { AIMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { createMiddleware } from 'langchain';
import { TristackError, type RateLimitKey, type RateLimiter, type RateLimitResult } from '@tristack/core';
import {
  defaultRunIdentity,
  runIdentityContextSchema,
  type ResolveRunIdentity,
  type RunIdentity,
} from '../run-context.js';

/** A model call or tool call was denied by the rate limiter (`onDenied: 'throw'`). Not retryable. */
export class RateLimitedError extends TristackError {
  readonly retryable = false as const;
  readonly retryAfterMs: number;
  constructor(what: string, result: RateLimitResult) {
    super(
      'RATE_LIMITED',
      `${what} rate limited (${result.reason ?? 'limited'}); retry after ${result.retryAfterMs} ms`,
      {
        driver: 'langchain',
        details: { retryAfterMs: result.retryAfterMs, rule: result.rule, scope: result.scope },
      },
    );
    this.retryAfterMs = result.retryAfterMs;
  }
}

export interface RateLimitMiddlewareOptions {
  limiter: RateLimiter;
  /**
   * The limiter key of a call.
   * @default the run's tenant id, else its user id, else `'default'`
   */
  key?: (identity: RunIdentity) => RateLimitKey;
  /** @default defaultRunIdentity (context.tenantId / userId, configurable.thread_id) */
  identity?: ResolveRunIdentity;
  /**
   * Tokens a model call is charged before it runs (reconciled with the real usage after).
   * @default about 4 characters per token of the messages, plus `expectedOutputTokens`
   */
  estimateTokens?: (messages: readonly BaseMessage[]) => number;
  /** Output tokens assumed by the default estimate. @default 256 */
  expectedOutputTokens?: number;
  /**
   * What a denial does: `'wait'` sleeps until the limiter admits (at most `maxWaitMs` in all),
   * `'end'` ends the turn with `deniedMessage`, `'throw'` throws `RateLimitedError`.
   * @default 'end'
   */
  onDenied?: 'wait' | 'end' | 'throw';
  /** Longest total wait with `onDenied: 'wait'`; past it the call ends as with `'end'`. @default 10_000 */
  maxWaitMs?: number;
  /** The answer that ends the turn on a denial. */
  deniedMessage?: (result: RateLimitResult) => string;
  /**
   * Charge tool calls too (one request each, key from `toolKey`). A denied tool call answers the
   * model with an error tool message.
   * @default false
   */
  tools?: boolean;
  /** @default the model key with `tool` set to the tool name (record keys), or `<key>:<tool>` */
  toolKey?: (identity: RunIdentity, toolName: string) => RateLimitKey;
}

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

const defaultKey = (identity: RunIdentity): RateLimitKey => identity.tenantId ?? identity.userId ?? 'default';

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
  options: RateLimitMiddlewareOptions,
  key: RateLimitKey,
  cost: Record<string, number>,
  signal: AbortSignal | undefined,
): Promise<RateLimitResult> {
  const deadline = Date.now() + (options.maxWaitMs ?? 10_000);
  for (;;) {
    const result = await options.limiter.limit(key, { cost });
    if (result.allowed || options.onDenied !== 'wait') return result;
    const wait = result.retryAfterMs;
    if (!Number.isFinite(wait) || Date.now() + wait > deadline) return result;
    await sleep(Math.max(1, wait), signal);
  }
}

const defaultDeniedMessage = (result: RateLimitResult) =>
  `Rate limit reached${result.rule ? ` (${result.rule})` : ''}; please try again in ${Math.ceil(result.retryAfterMs / 1000)} s.`;

/**
 * Distributed rate limiting for `createAgent`: every model call is charged one request plus its
 * estimated tokens before it runs, then reconciled with the real usage; tool calls optionally too.
 * Place it inside `modelRetryMiddleware` (after it in the array) so each attempt is charged.
 */
export function rateLimitMiddleware(options: RateLimitMiddlewareOptions) {
  const identityOf = options.identity ?? defaultRunIdentity;
  const keyOf = options.key ?? defaultKey;
  const estimate =
    options.estimateTokens ??
    ((messages: readonly BaseMessage[]) =>
      estimateMessagesTokens(messages) + (options.expectedOutputTokens ?? 256));
  const deniedMessage = options.deniedMessage ?? defaultDeniedMessage;
  const toolKeyOf =
    options.toolKey ??
    ((identity: RunIdentity, tool: string): RateLimitKey => {
      const key = keyOf(identity);
      return typeof key === 'string' ? `${key}:${tool}` : { ...key, tool };
    });
  return createMiddleware({
    name: 'TristackRateLimit',
    contextSchema: runIdentityContextSchema,
    wrapModelCall: async (request, handler) => {
      const key = keyOf(identityOf(request.runtime));
      const cost = costFor(options.limiter, estimate(request.messages));
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
        await options.limiter
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
