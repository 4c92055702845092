import { BaseCache, deserializeStoredGeneration, serializeGeneration } from '@langchain/core/caches';
import type { StoredGeneration } from '@langchain/core/messages';
import type { Generation } from '@langchain/core/outputs';
import {
  idSchema,
  parseOptions,
  type CachedResponse,
  type SemanticCache,
  type SemanticCacheRequest,
} from '@tristack/core';
import { z } from 'zod';

export interface TristackLlmCacheOptions {
  cache: SemanticCache;
  /** The one tenant every entry of this cache belongs to (the legacy interface carries no run context). @default 'default' */
  tenant?: string;
  /** Also answer similar prompts from the semantic tier (the whole flattened prompt is matched). @default true */
  semantic?: boolean;
  /** Scope tags added to every entry (usable with `cache.invalidate`). */
  tags?: Record<string, string>;
}

const optionsSchema = z.object({
  tenant: idSchema.default('default'),
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
 * parameters and call options, bound tools included). So: one fixed tenant per cache instance (no
 * run context), the semantic tier matches the whole flattened transcript, `.stream()` bypasses it
 * (LangChain never consults the cache when streaming), and answers with tool calls are not cached
 * unless the semantic cache was created with `cacheToolCalls`.
 */
export class TristackLlmCache extends BaseCache<Generation[]> {
  private readonly cache: SemanticCache;
  private readonly tenant: string;
  private readonly semantic: boolean;
  private readonly tags: Record<string, string> | undefined;

  constructor(options: TristackLlmCacheOptions) {
    super();
    const { cache, ...rest } = options;
    const parsed = parseOptions(optionsSchema, rest, { what: 'TristackLlmCache', driver: 'langchain' });
    this.cache = cache;
    this.tenant = parsed.tenant;
    this.semantic = parsed.semantic;
    this.tags = parsed.tags;
  }

  private request(prompt: string, llmKey: string): SemanticCacheRequest {
    return {
      tenant: this.tenant,
      model: modelOf(llmKey),
      messages: [{ role: 'user', content: prompt }],
      // The full key is scope: another model, temperature or tool set never shares an entry.
      sampling: { llmKey },
      ...(this.tags ? { tags: this.tags } : {}),
    };
  }

  async lookup(prompt: string, llmKey: string): Promise<Generation[] | null> {
    const found = await this.cache.lookup(this.request(prompt, llmKey), { exactOnly: !this.semantic });
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
    await this.cache.store(this.request(prompt, llmKey), response);
  }
}
