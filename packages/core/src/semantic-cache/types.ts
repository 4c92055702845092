/**
 * The SemanticCache contract: what every driver (in-memory, Redis Vector Sets, RediSearch) and every
 * adapter (LangChain) relies on. Kept small and stable; options specific to a driver live with it.
 */
import type { Embedder } from './embedder.js';

/**
 * One block of a multi-part message (text, image, file, audio…). Blocks other than `{ type: 'text' }`
 * count by their full content — an image's bytes or URL, a file's data — never by a placeholder.
 */
export interface SemanticCacheContentBlock {
  type: string;
  [field: string]: unknown;
}

/** A message's content: plain text or content blocks. */
export type SemanticCacheContent = string | readonly SemanticCacheContentBlock[];

export interface SemanticCacheMessage {
  /** `system` and `developer` messages count as the system prompt; `user` messages are matched. */
  role: string;
  content: SemanticCacheContent;
  name?: string;
  toolCallId?: string;
  toolCalls?: readonly unknown[];
}

/**
 * One LLM call as the cache sees it. Everything except the matched text is scope: a hit is only
 * returned for a request with the same tenant, model, system prompt, tools, tool choice, sampling
 * settings, tags, attachments of the matched message and (by default) earlier conversation.
 */
export interface SemanticCacheRequest {
  /** Whose cache this is: answers never cross tenants. */
  tenant: string;
  /** Model id, e.g. `gpt-4.1-mini`. */
  model: string;
  /** The conversation sent to the model; at least one message. */
  messages: readonly SemanticCacheMessage[];
  /** A system prompt passed beside the messages (providers that take it separately). */
  system?: SemanticCacheContent;
  /** Tool schemas offered to the model (JSON). */
  tools?: readonly unknown[];
  toolChoice?: unknown;
  /** Sampling settings: temperature, topP, maxTokens, seed, stop… (JSON). */
  sampling?: Readonly<Record<string, unknown>>;
  /** Caller-defined scope, e.g. `{ locale: 'de', plan: 'pro' }`: part of the scope, usable to invalidate. */
  tags?: Readonly<Record<string, string>>;
  /** The text the semantic tier matches; by default the text of the last user message. */
  matchText?: string;
}

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
}

/** What is cached for a request. JSON-serialisable. */
export interface CachedResponse {
  content: SemanticCacheContent;
  /** Tool calls the model asked for: such responses are not cached unless `cacheToolCalls` is set. */
  toolCalls?: readonly unknown[];
  /** True for a failed call: never cached. */
  isError?: boolean;
  finishReason?: string;
  /** Token usage of the original call: counted as saved on every hit. */
  usage?: TokenUsage;
  /** Adapter-specific serialised form (e.g. LangChain generations), returned as stored. */
  payload?: unknown;
}

/** Why a lookup returned no answer. */
export type SemanticCacheMissReason =
  /** Nothing in scope matched exactly or above the threshold. */
  | 'no-match'
  /** The request is never cached (e.g. temperature above `maxTemperature`): nothing was looked up. */
  | 'not-cacheable'
  /** The backend or the embedder failed and `failOpen` turned the failure into a miss. */
  | 'unavailable';

export type SemanticCacheLookupResult =
  | {
      hit: false;
      reason: SemanticCacheMissReason;
      /** Cosine similarity of the nearest in-scope entry the semantic tier saw, if any: for tuning. */
      nearestSimilarity?: number;
    }
  | {
      hit: true;
      /** `exact`: the normalised full request matched; `semantic`: the match text was similar enough. */
      kind: 'exact' | 'semantic';
      response: CachedResponse;
      /** Cosine similarity (0–1 for the default embedder; 1 for exact hits). */
      similarity: number;
      entryId: string;
      /** Age of the entry since it was stored. */
      ageMs: number;
    };

export interface SemanticCacheLookupOptions {
  /** Overrides the similarity threshold for this call (cosine similarity, 0–1, inclusive). */
  threshold?: number;
  /** Only the exact tier: no embedding, no vector search. @default false */
  exactOnly?: boolean;
}

export interface SemanticCacheStoreOptions {
  /** This entry's time to live; refreshed on every hit when `refreshOnHit` is on. @default the cache's `ttlMs` */
  ttlMs?: number;
  /** Token usage of the call, when `response.usage` does not carry it. */
  usage?: TokenUsage;
  /** Cost of the call in USD, when known; otherwise priced from `pricing`. */
  costUsd?: number;
}

/** Why `store` did not cache a response (a result, not an error). */
export type SemanticCacheSkipReason =
  'error-response' | 'tool-calls' | 'temperature' | 'predicate' | 'unavailable';

export type SemanticCacheStoreResult =
  { stored: true; entryId: string } | { stored: false; reason: SemanticCacheSkipReason };

/** Which entries `invalidate` removes: all given conditions must hold. Always within one tenant. */
export interface SemanticCacheInvalidateFilter {
  tenant: string;
  model?: string;
  /** Entries whose tags include all of these. */
  tags?: Readonly<Record<string, string>>;
  /** These entries only (ids from lookup hits or `store`). */
  entryIds?: readonly string[];
}

export interface SemanticCacheStats {
  lookups: number;
  exactHits: number;
  semanticHits: number;
  misses: number;
  stores: number;
  /** `store` calls the do-not-cache rules declined. */
  skippedStores: number;
  /** Input + output tokens of the original calls that hits answered instead. */
  tokensSaved: number;
  /** USD of the original calls that hits answered instead (gross: embedding cost not subtracted). */
  costSavedUsd: number;
}

/** What the semantic tier runs on, decided when the cache is created. */
export interface SemanticTierStatus {
  available: boolean;
  /** e.g. `memory`, `vector-sets`, `redisearch`, `none`. */
  backend: string;
  /** Why the semantic tier is off, when it is. */
  reason?: string;
}

/** The scope of a request, as digests: passed to `thresholdForScope` and kept for invalidation. */
export interface SemanticCacheScope {
  tenant: string;
  model: string;
  tags: Readonly<Record<string, string>>;
  systemPromptHash: string;
  toolsHash: string;
  samplingHash: string;
  /** Earlier conversation turns ('' when `includeHistoryInScope` is off). */
  historyHash: string;
  /** Non-text blocks of the matched message. */
  attachmentsHash: string;
  /** Digest of everything above: equal digests, same scope. */
  digest: string;
}

/**
 * An LLM response cache with an exact tier (hash of the normalised request, one round trip) and a
 * semantic tier (nearest stored match text within the same scope, above a cosine threshold).
 */
export interface SemanticCache {
  readonly embedder: Embedder;
  readonly semanticTier: SemanticTierStatus;
  lookup(
    request: SemanticCacheRequest,
    options?: SemanticCacheLookupOptions,
  ): Promise<SemanticCacheLookupResult>;
  store(
    request: SemanticCacheRequest,
    response: CachedResponse,
    options?: SemanticCacheStoreOptions,
  ): Promise<SemanticCacheStoreResult>;
  /** Removes matching entries; resolves with how many were removed. */
  invalidate(filter: SemanticCacheInvalidateFilter): Promise<{ removed: number }>;
  /**
   * Counters. With `tenant`: that tenant's counters as the backend keeps them (fleet-wide for Redis).
   * Without: this instance's counters since it was created.
   */
  stats(filter?: { tenant?: string }): Promise<SemanticCacheStats>;
}
