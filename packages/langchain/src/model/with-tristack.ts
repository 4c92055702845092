import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import {
  BaseChatModel,
  type BaseChatModelCallOptions,
  type BindToolsInput,
} from '@langchain/core/language_models/chat_models';
import type { BaseLanguageModelInput } from '@langchain/core/language_models/base';
import { AIMessage, AIMessageChunk, type BaseMessage } from '@langchain/core/messages';
import { ChatGenerationChunk, type ChatResult } from '@langchain/core/outputs';
import type { Runnable } from '@langchain/core/runnables';
import { z } from 'zod';
import type { CircuitBreaker, RateLimitKey, RateLimiter, SemanticCache } from '@tristack/core';
import {
  fromCacheHit,
  toCachedResponse,
  toSemanticCacheRequest,
  withTristackMetadata,
} from '../cache-request.js';
import { fallbackReason } from '../model-errors.js';
import { modelName } from '../model-identity.js';
import { RateLimitedError, estimateMessagesTokens } from '../middleware/rate-limit-middleware.js';
import { defaultModelBreakerName, throughBreaker } from '../middleware/circuit-breaker-middleware.js';
import { identityRateLimitKeys } from '../middleware/rate-limit-key.js';
import {
  functionOption,
  instanceOption,
  parseMiddlewareOptions,
} from '../middleware/middleware-option-schemas.js';
import { cacheOwner, type CacheScopeOptions } from '../cache-scope.js';
import {
  defaultRunIdentity,
  runContextOfModelCall,
  type ResolveRunIdentity,
  type RunIdentity,
} from '../run-context.js';

type ChatRunnable = Runnable<BaseLanguageModelInput, BaseMessage>;

export interface WithTristackOptions extends CacheScopeOptions {
  limiter?: RateLimiter;
  /**
   * @default derived from the limiter's rule scopes and the run's identity, as
   * `rateLimitMiddleware` does (`identityRateLimitKeys`): no bucket is shared by callers the
   * identity cannot tell apart — a call whose run lacks the id throws `MissingRunIdentityError`.
   */
  limiterKey?: (identity: RunIdentity) => RateLimitKey;
  /** The id of the limiter's `provider`-scope rules with the default `limiterKey`. */
  provider?: string;
  breaker?: CircuitBreaker;
  /** Models tried in order after the wrapped one on 429, 5xx, timeout or an open breaker. */
  fallbacks?: BaseChatModel[];
  /**
   * Scoped by tenant and user (`tenant`, `shareAcrossUsers`): a call whose run names no user is
   * not cached unless `shareAcrossUsers` is set; tool-result calls are only ever cached per user.
   */
  cache?: SemanticCache;
  /**
   * Reads the run's identity from its context: the `context` LangChain passes the model call
   * (`createAgent`), else the enclosing graph's config (a node calling `model.invoke(messages)`).
   * Tenant and user come from `context` only; see `identityFromConfigurable` for the opt-in.
   * For a bare model outside any graph, pass `() => ({ tenantId, userId })`.
   * @default defaultRunIdentity
   */
  identity?: ResolveRunIdentity;
}

/** Checks `WithTristackOptions` when the model is wrapped (the instance keeps the caller's object). */
const withTristackOptionsSchema = z.object({
  limiter: instanceOption<RateLimiter>('limiter', ['limit']).optional(),
  limiterKey: functionOption('limiterKey').optional(),
  provider: z.string().min(1).optional(),
  breaker: instanceOption<CircuitBreaker>('breaker', ['execute']).optional(),
  fallbacks: z.array(instanceOption<BaseChatModel>('each fallback model', ['invoke'])).optional(),
  cache: instanceOption<SemanticCache>('cache', ['lookup', 'store']).optional(),
  identity: functionOption('identity').optional(),
  tenant: functionOption('tenant').optional(),
  shareAcrossUsers: z.boolean().optional(),
});

interface Wrapped {
  models: ChatRunnable[];
  names: string[];
  tools: BindToolsInput[];
  toolChoice: unknown;
}

/**
 * A chat model that applies the limiter, breaker, fallback and cache to any chat model — for
 * plain LangGraph graphs and bare models. `bindTools` and `withStructuredOutput` bind on every
 * model of the fallback list. Pair it with `AuditCallbackHandler` for the audit trail.
 * The run's identity (cache scope, limiter key) is read from the run's `context` — see `identity`.
 */
export class TristackChatModel extends BaseChatModel {
  private readonly wrapped: Wrapped;
  private readonly limiterKey: (identity: RunIdentity) => RateLimitKey;

  constructor(
    private readonly options: WithTristackOptions,
    wrapped: Wrapped,
  ) {
    super({});
    this.wrapped = wrapped;
    this.limiterKey =
      options.limiterKey ??
      (options.limiter
        ? identityRateLimitKeys(options.limiter, { provider: options.provider, what: 'withTristack' }).model
        : () => ({}));
  }

  _llmType(): string {
    // Called by the base constructor, before `wrapped` is set.
    return `tristack(${this.wrapped?.names[0] ?? 'model'})`;
  }

  override bindTools(tools: BindToolsInput[], kwargs?: Partial<BaseChatModelCallOptions>) {
    const bind = (model: ChatRunnable, index: number) => {
      const bindable = model as unknown as { bindTools?: BaseChatModel['bindTools'] };
      if (!bindable.bindTools)
        throw new Error(`[tristack] [langchain] ${this.wrapped.names[index]} cannot bind tools`);
      return bindable.bindTools(tools, kwargs) as unknown as ChatRunnable;
    };
    return new TristackChatModel(this.options, {
      ...this.wrapped,
      models: this.wrapped.models.map(bind),
      tools: [...this.wrapped.tools, ...tools],
      toolChoice: kwargs?.tool_choice,
    }) as unknown as Runnable<BaseLanguageModelInput, AIMessageChunk, BaseChatModelCallOptions>;
  }

  private identity(options: this['ParsedCallOptions']): RunIdentity {
    return (this.options.identity ?? defaultRunIdentity)(
      runContextOfModelCall(options as { context?: unknown }),
    );
  }

  /** Calls the models in order (through their breakers) until one answers. */
  private async callModels(messages: BaseMessage[], options: this['ParsedCallOptions']): Promise<AIMessage> {
    let lastError: unknown;
    for (const [index, model] of this.wrapped.models.entries()) {
      const attempt = async () => (await model.invoke(messages, { signal: options.signal })) as AIMessage;
      try {
        const answer = this.options.breaker
          ? await throughBreaker(this.options.breaker, defaultModelBreakerName(model), attempt)
          : await attempt();
        return index === 0
          ? answer
          : withTristackMetadata(answer, {
              fallback: {
                from: this.wrapped.names[0]!,
                to: this.wrapped.names[index]!,
                reason: fallbackReason(lastError) ?? 'error',
              },
              model: this.wrapped.names[index]!,
            });
      } catch (error) {
        if (fallbackReason(error) === undefined) throw error;
        lastError = error;
      }
    }
    throw lastError;
  }

  override async _generate(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    _runManager?: CallbackManagerForLLMRun,
  ): Promise<ChatResult> {
    const identity = this.identity(options);
    const owner = this.options.cache ? cacheOwner(identity, messages, this.options) : undefined;
    const cacheRequest = owner
      ? toSemanticCacheRequest({
          ...owner,
          model: this.wrapped.names[0]!,
          messages,
          tools: this.wrapped.tools,
          toolChoice: this.wrapped.toolChoice,
        })
      : undefined;
    if (cacheRequest) {
      const found = await this.options.cache!.lookup(cacheRequest);
      if (found.hit) return { generations: [{ text: '', message: fromCacheHit(found) }] };
    }
    if (this.options.limiter) {
      const key = this.limiterKey(identity);
      const units = new Set(this.options.limiter.limits.map((rule) => rule.unit));
      const cost: Record<string, number> = units.has('tokens')
        ? { requests: 1, tokens: estimateMessagesTokens(messages) }
        : { requests: 1 };
      const result = await this.options.limiter.limit(key, { cost });
      if (!result.allowed) throw new RateLimitedError('model call', result);
    }
    const answer = await this.callModels(messages, options);
    if (cacheRequest) await this.options.cache!.store(cacheRequest, toCachedResponse(answer));
    return { generations: [{ text: answer.text, message: answer }] };
  }

  /** Streams the answer; a cached answer is replayed as a stream of word chunks. */
  override async *_streamResponseChunks(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    const { generations } = await this._generate(messages, options, runManager);
    const message = generations[0]!.message as AIMessage;
    const words = message.text.match(/\S+\s*/g) ?? [message.text];
    for (const [index, word] of words.entries()) {
      const last = index === words.length - 1;
      const chunk = new AIMessageChunk({
        content: word,
        ...(last
          ? {
              tool_call_chunks: (message.tool_calls ?? []).map((call, position) => ({
                ...call,
                args: JSON.stringify(call.args),
                index: position,
                type: 'tool_call_chunk' as const,
              })),
              response_metadata: message.response_metadata,
            }
          : {}),
      });
      await runManager?.handleLLMNewToken(word, undefined, undefined, undefined, undefined, {
        chunk: new ChatGenerationChunk({ text: word, message: chunk }),
      });
      yield new ChatGenerationChunk({ text: word, message: chunk });
    }
  }
}

/** Wraps a chat model with the Tristack primitives (see `TristackChatModel`). */
export function withTristack(model: BaseChatModel, options: WithTristackOptions): TristackChatModel {
  parseMiddlewareOptions(withTristackOptionsSchema, options, 'withTristack');
  const models = [model, ...(options.fallbacks ?? [])];
  return new TristackChatModel(options, {
    models: models as unknown as ChatRunnable[],
    names: models.map(modelName),
    tools: [],
    toolChoice: undefined,
  });
}
