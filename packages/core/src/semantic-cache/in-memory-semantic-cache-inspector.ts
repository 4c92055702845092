import { discoverNames } from '../discover-names.js';
import type { DiscoveryOptions } from '../inspection.js';
import type { SemanticCacheInspection, SemanticCacheInspector } from './semantic-cache-inspector.js';
import type { SemanticCacheStats } from './types.js';

/** What `InMemorySemanticCache` keeps per tenant, as far as an inspector reads it. */
export interface InMemorySemanticCacheTenant {
  readonly scopes: ReadonlyMap<string, ReadonlyMap<string, { readonly expiresAt: number }>>;
  readonly stats: SemanticCacheStats;
}

/** `SemanticCacheInspector` over one in-memory cache's tenants. Counts live entries, removes nothing. */
export class InMemorySemanticCacheInspector implements SemanticCacheInspector {
  constructor(
    private readonly cache: string,
    private readonly tenantsOf: ReadonlyMap<string, InMemorySemanticCacheTenant>,
    private readonly now: () => number,
  ) {}

  async tenants(options?: DiscoveryOptions): Promise<SemanticCacheInspection> {
    const now = this.now();
    const { found: names, truncated } = discoverNames(this.tenantsOf.keys(), options);
    const found = names.map((tenant) => {
      const { scopes, stats } = this.tenantsOf.get(tenant)!;
      let exactEntries = 0;
      let liveScopes = 0;
      for (const entries of scopes.values()) {
        const live = [...entries.values()].filter((entry) => entry.expiresAt > now).length;
        exactEntries += live;
        if (live > 0) liveScopes++;
      }
      const { skippedStores: _local, ...shared } = stats;
      return {
        cache: this.cache,
        tenant,
        exactEntries,
        scopes: liveScopes,
        stats: { ...shared, misses: stats.lookups - stats.exactHits - stats.semanticHits },
      };
    });
    return {
      found,
      undecodable: [],
      truncated,
      vectorBackend: { inUse: 'memory', supported: 'memory' },
    };
  }
}
