/**
 * The SemanticCache contract: what every driver (in-memory, Redis Vector Sets, RediSearch) and every
 * adapter (LangChain) relies on. Kept small and stable; options specific to a driver live with it.
 */
import type { Embedder } from './embedder.js';
import type { NearMissReason } from './near-miss-guard/near-miss-guard.js';

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
 * returned for a request with the same tenant, user, model, system prompt, tools, tool choice,
 * sampling settings, tags, attachments of the matched message and (by default) earlier conversation.
 */
export interface SemanticCacheRequest {
  /** Whose cache this is: answers never cross tenants. */
  tenant: string;
  /**
   * The user the answer was computed for: with it, answers never cross users (a request without
   * `user` is another scope too). Leave it out only for answers every user of the tenant may see
   * (FAQ-style caches); adapters set it whenever the run names a user.
   */
  user?: string;
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
  /**
   * Caller-defined scope, e.g. `{ locale: 'de', plan: 'pro' }`: part of the scope, usable to invalidate.
   * Keys and values are compared exactly, like tenant, user and model (no Unicode or line-end
   * normalisation: that is for prompt text), and must be well-formed UTF-16.
   */
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
  /**
   * The request is never cached (temperature above `maxTemperature`, or tool results with
   * `includeHistoryInScope` off): nothing was looked up.
   */
  | 'not-cacheable'
  /** The backend or the embedder failed and `failOpen` turned the failure into a miss. */
  | 'unavailable'
  /**
   * Entries were close enough, but the near-miss guard (or the judge) turned every one of them
   * down: they ask for something else (another number, date, name, action…).
   */
  | 'near-miss';

export type SemanticCacheLookupResult =
  | {
      hit: false;
      reason: SemanticCacheMissReason;
      /** Cosine similarity of the nearest in-scope entry the semantic tier saw, if any: for tuning. */
      nearestSimilarity?: number;
      /** With reason `near-miss`: why the nearest turned-down entry was turned down. */
      rejectedBy?: NearMissReason | 'judge';
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
      /**
       * What this hit saved: the original call's tokens and USD cost (as `store` recorded or
       * priced them; the same amounts `stats()` adds up). Absent from caches that do not track it.
       */
      saved?: { tokens: number; costUsd: number };
    };

export interface SemanticCacheLookupOptions {
  /** Overrides the similarity threshold for this call (cosine similarity, 0–1, inclusive). */
  threshold?: number;
  /** Only the exact tier: no embedding, no vector search. @default false */
  exactOnly?: boolean;
}

export interface SemanticCacheStoreOptions {
  /** This entry's time to live; restarted by hits when `refreshOnHit` is on. @default the cache's `ttlMs` */
  ttlMs?: number;
  /** Token usage of the call, when `response.usage` does not carry it. */
  usage?: TokenUsage;
  /** Cost of the call in USD, when known; otherwise priced from `pricing`. */
  costUsd?: number;
}

/** Why `store` did not cache a response (a result, not an error). */
export type SemanticCacheSkipReason =
  | 'error-response'
  | 'tool-calls'
  /** The request holds tool results but `includeHistoryInScope` is off: they would not be in scope. */
  | 'tool-results'
  | 'temperature'
  | 'predicate'
  | 'unavailable';

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
  /**
   * Semantic candidates the near-miss guard turned down, by reason (one per candidate: a lookup that
   * turns down two and then hits a third counts two).
   */
  guardRejections: Record<NearMissReason, number>;
  /** Semantic candidates in the judge band the judge turned down. */
  judgeRejections: number;
}

/** What the `judge` option is asked about: a candidate that passed the guard, inside the judge band. */
export interface SemanticCacheJudgeInput {
  /** The match text of the cached entry. */
  stored: string;
  /** The match text of the lookup. */
  query: string;
  /** Their similarity (reported: clamped, 6 decimals). */
  similarity: number;
  scope: SemanticCacheScope;
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
  /** The request's user; absent for a request shared by every user of the tenant. */
  user?: string;
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
