import type { Embedder } from './embedder.js';
import type { CachedResponse, SemanticCacheRequest, SemanticCacheScope } from './types.js';

/** Options every SemanticCache driver takes (validated by `semanticCacheOptionsSchema`). */
export interface SemanticCacheOptions {
  /** Namespace of this cache: caches with different names share nothing. @default 'default' */
  name?: string;
  /** Turns match texts into vectors. @default new LocalNgramEmbedder() (offline, 384 dimensions) */
  embedder?: Embedder;
  /**
   * Minimum cosine similarity (0–1, inclusive) for a semantic hit. `0` returns the nearest in-scope
   * entry whatever it is; `1` only an identical vector (similarities are rounded to 6 decimals).
   * @default 0.9
   */
  similarityThreshold?: number;
  /** A threshold per scope (e.g. stricter for one model or tag); `undefined` falls back to `similarityThreshold`. */
  thresholdForScope?: (scope: SemanticCacheScope) => number | undefined;
  /** Entry time to live. @default 86_400_000 (one day) */
  ttlMs?: number;
  /** A hit restarts the entry's TTL. @default true */
  refreshOnHit?: boolean;
  /**
   * Requests with `sampling.temperature` above this are neither stored nor looked up: the caller
   * asked for variety. Requests without a temperature are cacheable. @default 0.7
   */
  maxTemperature?: number;
  /** Cache responses that contain tool calls. @default false */
  cacheToolCalls?: boolean;
  /** Extra do-not-cache rule: return false to refuse a response. */
  cacheable?: (request: SemanticCacheRequest, response: CachedResponse) => boolean;
  /**
   * Earlier conversation turns are part of the scope, so "and in Python?" after two different
   * questions never shares an answer. Turn off only for stateless single-turn prompts. @default true
   */
  includeHistoryInScope?: boolean;
  /** Cache of embeddings by text, per process; `false` embeds every time. @default { maxEntries: 10_000, ttlMs: 3_600_000 } */
  embeddingCache?: false | { maxEntries?: number; ttlMs?: number };
  /** USD per million tokens by model id, to account cost saved when `store` gets no `costUsd`. */
  pricing?: Record<string, { inputPerMillionTokens: number; outputPerMillionTokens: number }>;
  /** Backend or embedder failures become misses (lookup) and skipped stores instead of errors. @default true */
  failOpen?: boolean;
  /** Called with each failure `failOpen` turned into a miss or a skipped store (log it, count it). */
  onError?: (error: unknown, operation: 'lookup' | 'store') => void;
}
