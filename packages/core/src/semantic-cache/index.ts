export type {
  SemanticCache,
  SemanticCacheRequest,
  SemanticCacheMessage,
  SemanticCacheContent,
  SemanticCacheContentBlock,
  CachedResponse,
  TokenUsage,
  SemanticCacheLookupOptions,
  SemanticCacheLookupResult,
  SemanticCacheMissReason,
  SemanticCacheStoreOptions,
  SemanticCacheStoreResult,
  SemanticCacheSkipReason,
  SemanticCacheInvalidateFilter,
  SemanticCacheStats,
  SemanticCacheScope,
  SemanticTierStatus,
} from './types.js';
export type { Embedder } from './embedder.js';
export type { SemanticCacheOptions } from './options.js';
export { LocalNgramEmbedder, type LocalNgramEmbedderOptions } from './local-ngram-embedder.js';
export { CachingEmbedder, checkEmbeddings, type CachingEmbedderOptions } from './caching-embedder.js';
export {
  InMemorySemanticCache,
  InMemorySemanticCacheStore,
  type InMemorySemanticCacheOptions,
} from './in-memory-semantic-cache.js';
export {
  SemanticCacheBase,
  type SemanticCacheEntryHit,
  type SemanticCacheEntryWrite,
} from './semantic-cache-base.js';
export { prepareRequest as prepareSemanticCacheRequest, type PreparedRequest } from './prepare-request.js';
export { reportedSimilarity } from './policy.js';
export {
  semanticCacheOptionsSchema,
  redisSemanticCacheOptionsSchema,
  requestSchema as semanticCacheRequestSchema,
  responseSchema as cachedResponseSchema,
  invalidateFilterSchema as semanticCacheInvalidateFilterSchema,
  MAX_TTL_MS as SEMANTIC_CACHE_MAX_TTL_MS,
} from './schemas.js';
