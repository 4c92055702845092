import { BaseCache, deserializeStoredGeneration, serializeGeneration } from '@langchain/core/caches';
import type { StoredGeneration } from '@langchain/core/messages';
import type { Generation } from '@langchain/core/outputs';
import type { CachedResponse, SemanticCache, SemanticCacheRequest } from '@tristack/core';
import { idSchema, parseOptions } from '@tristack/core/driver-kit';
import { z } from 'zod';
import { toSemanticCacheRequest } from '../cache-request.js';
import { isToolResultMessage } from '../message-conversion.js';
import { defaultRunIdentity, runContextOfModelCall, type ResolveRunIdentity } from '../run-context.js';
import { messagesOfBufferString } from './buffer-string-messages.js';

export interface TristackLlmCacheOptions {
  cache: SemanticCache;
  /** The one tenant every entry of this cache belongs to. @default the run's tenant id, else `'default'` */
  tenant?: string;
  /**
   * Reads the identity of the run the model is called in (the legacy interface hands the cache
   * no run context: this reads the enclosing LangGraph/`createAgent` config). Tenant and user
   * come from its `context` only. For a model called outside any graph, pass
   * `() => ({ userId })`.
   * @default defaultRunIdentity
   */
  identity?: ResolveRunIdentity;
  /**
   * Share answers between the users of a tenant (FAQ-style prompts). Off by default: entries are
   * per user, and a call whose run names no user is neither looked up nor stored. Prompts with
   * tool results are never shared.
   * @default false
   */
  shareAcrossUsers?: boolean;
  /**
   * Also answer similar prompts from the semantic tier (the last user message is matched; system
   * prompt and history are hashed exactly, as with `responseCacheMiddleware`). @default true
   */
  semantic?: boolean;
  /** Scope tags added to every entry (usable with `cache.invalidate`). */
  tags?: Record<string, string>;
}

const optionsSchema = z.object({
  tenant: idSchema.optional(),
  identity: z.custom<ResolveRunIdentity>((value) => typeof value === 'function').optional(),
  shareAcrossUsers: z.boolean().default(false),
  semantic: z.boolean().default(true),
  tags: z.record(z.string(), z.string()).optional(),
});

/** `_model:"…"` of LangChain's llm key names the model class; the whole key stays scope. */
function modelOf(llmKey: string): string {
  const named =
    /(?:^|,)model(?:Name)?:"([^"]{1,200})"/.exec(llmKey) ?? /(?:^|,)_type:"([^"]{1,200})"/.exec(llmKey);
  return named?.[1] ?? 'langchain-llm';
}

interface ChatGenerationLike extends Generation {
  message?: { tool_calls?: unknown[] };
}

/**
 * LangChain's legacy model cache (`new ChatOpenAI({ cache })`) over a core `SemanticCache`.
 *
 * Limits of the legacy interface (prefer `responseCacheMiddleware` / `withTristack({ cache })`):
 * LangChain hands the cache only `prompt` (the messages flattened to "Human: …\nAI: …" text, so
 * content blocks such as images count only as far as that text shows them) and `llmKey` (model
 * parameters and call options, bound tools included). So: the messages are recovered from that text
 * by their line prefixes (`messagesOfBufferString`) and keyed as `responseCacheMiddleware` keys
 * them — system prompt and history exactly in scope, the last user message matched semantically
 * — but `.stream()` bypasses it
 * (LangChain never consults the cache when streaming), and answers with tool calls are not cached
 * unless the semantic cache was created with `cacheToolCalls`.
 *
 * Isolation: the run's identity is read from the enclosing graph's config (see `identity`).
 * Entries are scoped by tenant and user; without a known user nothing is cached unless
 * `shareAcrossUsers` is set, and even then a personal system prompt or history keeps callers
 * apart (both are exact scope). A prompt that holds tool results (a `Tool:`, `tool:` or
 * `function:` line) is cached only for a known user and only for exact repeats (the whole
 * transcript is scope), and not at all when the cache has `includeHistoryInScope: false`: one
 * user's tool-derived answer is never served to another, nor for other tool results.
 */
export class TristackLlmCache extends BaseCache<Generation[]> {
  private readonly cache: SemanticCache;
  private readonly tenant: string | undefined;
  private readonly identity: ResolveRunIdentity;
  private readonly shareAcrossUsers: boolean;
  private readonly semantic: boolean;
  private readonly tags: Record<string, string> | undefined;

  constructor(options: TristackLlmCacheOptions) {
    super();
    const { cache, ...rest } = options;
    const parsed = parseOptions(optionsSchema, rest, { what: 'TristackLlmCache', driver: 'langchain' });
    this.cache = cache;
    this.tenant = parsed.tenant;
    this.identity = parsed.identity ?? defaultRunIdentity;
    this.shareAcrossUsers = parsed.shareAcrossUsers;
    this.semantic = parsed.semantic;
    this.tags = parsed.tags;
  }

  /** The request of a prompt in the current run, or `undefined` when it must not be cached. */
  private request(prompt: string, llmKey: string): SemanticCacheRequest | undefined {
    const identity = this.identity(runContextOfModelCall(undefined));
    const messages = messagesOfBufferString(prompt);
    const toolResults = messages.some(isToolResultMessage);
    const user = identity.userId;
    if (user === undefined && (toolResults || !this.shareAcrossUsers)) return undefined;
    // Built as the middleware builds it: system messages and history are exact scope.
    return toSemanticCacheRequest({
      tenant: this.tenant ?? identity.tenantId ?? 'default',
      user: user !== undefined && (toolResults || !this.shareAcrossUsers) ? user : undefined,
      model: modelOf(llmKey),
      messages,
      // The full key is scope: another model, temperature or tool set never shares an entry. With
      // tool results the transcript is scope too: only an exact repeat (same results) hits.
      settings: toolResults ? { llmKey, transcript: prompt } : { llmKey },
      tags: this.tags,
    });
  }

  async lookup(prompt: string, llmKey: string): Promise<Generation[] | null> {
    const request = this.request(prompt, llmKey);
    if (!request) return null;
    const found = await this.cache.lookup(request, { exactOnly: !this.semantic });
    if (!found.hit) return null;
    const stored = found.response.payload as StoredGeneration[] | undefined;
    if (!Array.isArray(stored))
      return [{ text: typeof found.response.content === 'string' ? found.response.content : '' }];
    return stored.map((each) => deserializeStoredGeneration(each) as Generation);
  }

  async update(prompt: string, llmKey: string, value: Generation[]): Promise<void> {
    const first = value[0] as ChatGenerationLike | undefined;
    const toolCalls = first?.message?.tool_calls ?? [];
    const response: CachedResponse = {
      content: first?.text ?? '',
      payload: JSON.parse(JSON.stringify(value.map(serializeGeneration))) as unknown,
      ...(toolCalls.length > 0 ? { toolCalls: JSON.parse(JSON.stringify(toolCalls)) as unknown[] } : {}),
    };
    const request = this.request(prompt, llmKey);
    if (request) await this.cache.store(request, response);
  }
}
