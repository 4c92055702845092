// The semantic cache's user API (also exported from the package root). Material for driver authors
// (base class, request preparation, schemas, bounds) is exported from ../driver-kit/index.ts, and the
// threshold calibration tools from ../calibration/index.ts.
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
  SemanticCacheJudgeInput,
  SemanticCacheScope,
  SemanticTierStatus,
} from './types.js';
export type { Embedder } from './embedder.js';
export type { SemanticCacheOptions } from './options.js';
export { LocalNgramEmbedder, type LocalNgramEmbedderOptions } from './local-ngram-embedder.js';
export { CachingEmbedder, type CachingEmbedderOptions } from './caching-embedder.js';
export {
  NEAR_MISS_REASONS,
  combineGuards,
  type NearMissGuard,
  type NearMissReason,
  type NearMissVerdict,
} from './near-miss-guard/near-miss-guard.js';
export { defaultNearMissGuard } from './near-miss-guard/default-near-miss-guard.js';
export {
  InMemorySemanticCache,
  InMemorySemanticCacheStore,
  type InMemorySemanticCacheOptions,
} from './in-memory-semantic-cache.js';
export type {
  SemanticCacheInspection,
  SemanticCacheInspector,
  SemanticCacheTenantState,
  SemanticCacheVectorBackend,
} from './semantic-cache-inspector.js';
