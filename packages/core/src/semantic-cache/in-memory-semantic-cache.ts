import { systemClock, type Clock } from '../clock.js';
import type { SemanticCacheOptions } from './options.js';
import { reportedSimilarity } from './policy.js';
import type { PreparedRequest } from './prepare-request.js';
import {
  SemanticCacheBase,
  type SemanticCacheCandidate,
  type SemanticCacheEntryHit,
  type SemanticCacheEntryWrite,
  type SemanticCacheRejection,
} from './semantic-cache-base.js';
import { copyStats, countRejections, emptyStats } from './stats.js';
import { InMemorySemanticCacheInspector } from './in-memory-semantic-cache-inspector.js';
import { restartsTtl } from './ttl-restart.js';
import type { SemanticCacheInspector } from './semantic-cache-inspector.js';
import type {
  SemanticCacheInvalidateFilter,
  SemanticCacheScope,
  SemanticCacheStats,
  SemanticTierStatus,
} from './types.js';

export interface InMemorySemanticCacheOptions extends SemanticCacheOptions {
  /** Source of time for TTLs and entry ages. @default systemClock */
  clock?: Clock;
  /** Where entries live: caches given the same store share entries, as processes share one Redis. @default a new store */
  store?: InMemorySemanticCacheStore;
}

interface Entry {
  entryId: string;
  scope: SemanticCacheScope;
  /** JSON, so a caller mutating a returned response never changes the cache (as with Redis). */
  response: string;
  createdAt: number;
  ttlMs: number;
  expiresAt: number;
  tokens: number;
  costUsd: number;
  /** Unit vector of the match text, with the id of the embedder that made it, and the text (for the guard). */
  vector?: Float64Array;
  embedderId?: string;
  matchText?: string;
}

/** Nearest entries one semantic lookup examines, as the Redis driver's default `candidates`. */
const CANDIDATES = 4;

interface Tenant {
  scopes: Map<string, Map<string, Entry>>;
  stats: SemanticCacheStats;
}

/** The entries of in-memory semantic caches, by cache name and tenant. */
export class InMemorySemanticCacheStore {
  /** @internal */
  readonly caches = new Map<string, Map<string, Tenant>>();
}

function unit(vector: readonly number[]): Float64Array {
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm);
  return Float64Array.from(vector, (value) => (norm > 0 ? value / norm : 0));
}

/**
 * SemanticCache in process memory: exact tier by entry id, semantic tier by a brute-force cosine
 * scan of the request's scope. For tests, single-process agents and as the reference the Redis
 * drivers are checked against (same conformance suite).
 */
export class InMemorySemanticCache extends SemanticCacheBase {
  readonly semanticTier: SemanticTierStatus = { available: true, backend: 'memory' };
  private readonly clock: Clock;
  private readonly tenants: Map<string, Tenant>;

  constructor(options: InMemorySemanticCacheOptions = {}) {
    const { clock, store, ...rest } = options;
    super(rest, 'memory', 'InMemorySemanticCache');
    this.clock = clock ?? systemClock;
    const caches = (store ?? new InMemorySemanticCacheStore()).caches;
    let tenants = caches.get(this.options.name);
    if (!tenants) caches.set(this.options.name, (tenants = new Map()));
    this.tenants = tenants;
  }

  /** A read-only view of this cache's tenants. */
  inspector(): SemanticCacheInspector {
    return new InMemorySemanticCacheInspector(this.options.name, this.tenants, () => this.clock.now());
  }

  protected async findExact(
    prepared: PreparedRequest,
    refresh: boolean,
  ): Promise<SemanticCacheEntryHit | undefined> {
    const tenant = this.tenant(prepared.scope.tenant);
    tenant.stats.lookups++;
    const entry = this.live(tenant.scopes.get(prepared.scope.digest), prepared.entryId);
    if (!entry) return undefined;
    return this.hitOn(tenant, entry, 'exact', 1, refresh);
  }

  protected async findCandidates(
    prepared: PreparedRequest,
    vector: number[],
    threshold: number,
  ): Promise<{ candidates: SemanticCacheCandidate[]; nearestCosine?: number }> {
    const scope = this.tenant(prepared.scope.tenant).scopes.get(prepared.scope.digest);
    if (!scope) return { candidates: [] };
    const query = unit(vector);
    const scored: SemanticCacheCandidate[] = [];
    for (const entry of scope.values()) {
      if (!this.live(scope, entry.entryId) || !entry.vector || entry.embedderId !== this.embedder.id)
        continue;
      let dot = 0;
      for (let index = 0; index < query.length; index++) dot += query[index]! * entry.vector[index]!;
      scored.push({
        entryId: entry.entryId,
        cosine: dot,
        ...(entry.matchText === undefined ? {} : { matchText: entry.matchText }),
      });
    }
    scored.sort((left, right) => right.cosine - left.cosine);
    if (scored.length === 0) return { candidates: [] };
    // Compare on the reported (clamped, rounded) value so `0` and `1` are honoured literally.
    const candidates = scored
      .slice(0, CANDIDATES)
      .filter((candidate) => reportedSimilarity(candidate.cosine) >= threshold);
    return { candidates, nearestCosine: scored[0]!.cosine };
  }

  protected async confirmCandidate(
    prepared: PreparedRequest,
    candidate: SemanticCacheCandidate | undefined,
    refresh: boolean,
    rejections: readonly SemanticCacheRejection[],
  ): Promise<SemanticCacheEntryHit | undefined> {
    const tenant = this.tenant(prepared.scope.tenant);
    countRejections(tenant.stats, rejections);
    if (!candidate) return undefined;
    const entry = this.live(tenant.scopes.get(prepared.scope.digest), candidate.entryId);
    return entry && this.hitOn(tenant, entry, 'semantic', candidate.cosine, refresh);
  }

  protected async writeEntry(write: SemanticCacheEntryWrite): Promise<void> {
    const { prepared } = write;
    const tenant = this.tenant(prepared.scope.tenant);
    let scope = tenant.scopes.get(prepared.scope.digest);
    if (!scope) tenant.scopes.set(prepared.scope.digest, (scope = new Map()));
    const now = this.clock.now();
    // Expired entries of this scope go now, as the Redis driver's janitor does on every store.
    for (const id of scope.keys()) this.live(scope, id);
    scope.set(prepared.entryId, {
      entryId: prepared.entryId,
      scope: prepared.scope,
      response: JSON.stringify(write.response),
      createdAt: now,
      ttlMs: write.ttlMs,
      expiresAt: now + write.ttlMs,
      tokens: write.tokens,
      costUsd: write.costUsd,
      ...(write.vector
        ? { vector: unit(write.vector), embedderId: this.embedder.id, matchText: prepared.matchText }
        : {}),
    });
    tenant.stats.stores++;
  }

  protected async removeEntries(filter: SemanticCacheInvalidateFilter): Promise<number> {
    const tenant = this.tenants.get(filter.tenant);
    if (!tenant) return 0;
    let removed = 0;
    const ids = filter.entryIds ? new Set(filter.entryIds) : undefined;
    for (const [digest, scope] of tenant.scopes) {
      for (const entry of scope.values()) {
        if (!this.live(scope, entry.entryId)) continue;
        if (filter.model !== undefined && entry.scope.model !== filter.model) continue;
        if (
          filter.tags &&
          Object.entries(filter.tags).some(([key, value]) => entry.scope.tags[key] !== value)
        )
          continue;
        if (ids && !ids.has(entry.entryId)) continue;
        scope.delete(entry.entryId);
        removed++;
      }
      if (scope.size === 0) tenant.scopes.delete(digest);
    }
    return removed;
  }

  protected async tenantStats(tenant: string): Promise<SemanticCacheStats> {
    const stats = copyStats(this.tenants.get(tenant)?.stats ?? emptyStats());
    return { ...stats, misses: stats.lookups - stats.exactHits - stats.semanticHits };
  }

  private tenant(id: string): Tenant {
    let tenant = this.tenants.get(id);
    if (!tenant) this.tenants.set(id, (tenant = { scopes: new Map(), stats: emptyStats() }));
    return tenant;
  }

  /** The entry if it has not expired; an expired one is deleted. */
  private live(scope: Map<string, Entry> | undefined, entryId: string): Entry | undefined {
    const entry = scope?.get(entryId);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.clock.now()) {
      scope!.delete(entryId);
      return undefined;
    }
    return entry;
  }

  private hitOn(
    tenant: Tenant,
    entry: Entry,
    kind: 'exact' | 'semantic',
    cosine: number,
    refresh: boolean,
  ): SemanticCacheEntryHit {
    const now = this.clock.now();
    if (refresh && restartsTtl(now, entry.ttlMs, entry.expiresAt)) entry.expiresAt = now + entry.ttlMs;
    if (kind === 'exact') tenant.stats.exactHits++;
    else tenant.stats.semanticHits++;
    tenant.stats.tokensSaved += entry.tokens;
    tenant.stats.costSavedUsd += entry.costUsd;
    return {
      entryId: entry.entryId,
      response: JSON.parse(entry.response),
      ageMs: now - entry.createdAt,
      tokens: entry.tokens,
      costUsd: entry.costUsd,
      cosine,
    };
  }
}
