import type { Discovery, DiscoveryOptions } from '../inspection.js';
import type { SemanticCacheStats } from './types.js';

/** What one cache holds for one tenant. */
export interface SemanticCacheTenantState {
  /** The cache's `name` option. */
  readonly cache: string;
  readonly tenant: string;
  /** Live entries of the exact tier (every entry is one). */
  readonly exactEntries: number;
  /** Vectors of the semantic tier when the store keeps them apart from the entries (Vector Sets); else undefined. */
  readonly semanticVectors?: number;
  /** Distinct scopes (model, tags, history…) the tenant's entries were stored under. */
  readonly scopes: number;
  /** The tenant's counters, shared by every instance of the cache. */
  readonly stats: Omit<SemanticCacheStats, 'skippedStores'>;
}

/** Where the semantic tier's vectors live. */
export interface SemanticCacheVectorBackend {
  /** What the stored state shows in use (the store's choice when nothing shows it). */
  readonly inUse: string;
  /** What the store supports. */
  readonly supported: string;
  /** Why the semantic tier is unavailable or limited, when it is. */
  readonly reason?: string;
}

export interface SemanticCacheInspection extends Discovery<SemanticCacheTenantState> {
  readonly vectorBackend: SemanticCacheVectorBackend;
}

/** Read-only view of semantic caches: per cache and tenant, what is stored and how it did. */
export interface SemanticCacheInspector {
  /** Every (cache, tenant) with state, sorted by cache then tenant. */
  tenants(options?: DiscoveryOptions): Promise<SemanticCacheInspection>;
}
