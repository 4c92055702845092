import type { z } from 'zod';
import { InvalidInputError, TristackError } from '../errors.js';
import { parseInput, parseOptions } from '../validation.js';
import { CachingEmbedder, checkEmbeddings } from './caching-embedder.js';
import type { Embedder } from './embedder.js';
import { LocalNgramEmbedder } from './local-ngram-embedder.js';
import type { SemanticCacheOptions } from './options.js';
import { isRequestCacheable, reportedSimilarity, savingsOf, skipReason, thresholdFor } from './policy.js';
import { prepareRequest, type PreparedRequest } from './prepare-request.js';
import {
  invalidateFilterSchema,
  lookupOptionsSchema,
  requestSchema,
  responseSchema,
  semanticCacheOptionsSchema,
  statsFilterSchema,
  storeOptionsSchema,
  type ParsedSemanticCacheOptions,
} from './schemas.js';
import { countLookup, emptyStats } from './stats.js';
import type {
  CachedResponse,
  SemanticCache,
  SemanticCacheInvalidateFilter,
  SemanticCacheLookupOptions,
  SemanticCacheLookupResult,
  SemanticCacheRequest,
  SemanticCacheStats,
  SemanticCacheStoreOptions,
  SemanticCacheStoreResult,
  SemanticTierStatus,
} from './types.js';

/** An entry as a driver writes it. */
export interface SemanticCacheEntryWrite {
  prepared: PreparedRequest;
  response: CachedResponse;
  ttlMs: number;
  /** What one hit saves. */
  tokens: number;
  costUsd: number;
  /** The match text's vector; absent when the semantic tier is off or there is no match text. */
  vector?: number[];
}

/** A stored entry a driver found. */
export interface SemanticCacheEntryHit {
  entryId: string;
  response: CachedResponse;
  ageMs: number;
  tokens: number;
  costUsd: number;
  /** Raw cosine similarity (1 for exact hits). */
  cosine: number;
}

/**
 * The request flow every SemanticCache driver shares — validation, scoping, do-not-cache rules,
 * exact tier first, embedding only on an exact miss, fail-open, counters — over five storage
 * operations a driver implements. Drivers count per-tenant stats inside their own round trips.
 */
export abstract class SemanticCacheBase implements SemanticCache {
  readonly embedder: Embedder;
  abstract readonly semanticTier: SemanticTierStatus;
  protected readonly options: ParsedSemanticCacheOptions;
  private readonly local = emptyStats();

  protected constructor(
    options: SemanticCacheOptions,
    protected readonly driver: string,
    what: string,
  ) {
    this.options = parseOptions(semanticCacheOptionsSchema, options, { what, driver });
    const embedder = this.options.embedder ?? new LocalNgramEmbedder();
    this.embedder =
      this.options.embeddingCache === false || embedder instanceof CachingEmbedder
        ? embedder
        : new CachingEmbedder(embedder, this.options.embeddingCache);
  }

  /** The exact tier: the entry stored for exactly this request, refreshed when `refresh`. Counts the lookup. */
  protected abstract findExact(
    prepared: PreparedRequest,
    refresh: boolean,
  ): Promise<SemanticCacheEntryHit | undefined>;

  /** The semantic tier: the nearest in-scope entry; a hit only at or above `threshold` (cosine). */
  protected abstract findSimilar(
    prepared: PreparedRequest,
    vector: number[],
    threshold: number,
    refresh: boolean,
  ): Promise<{ hit?: SemanticCacheEntryHit; nearestCosine?: number }>;

  protected abstract writeEntry(entry: SemanticCacheEntryWrite): Promise<void>;
  protected abstract removeEntries(filter: SemanticCacheInvalidateFilter): Promise<number>;
  protected abstract tenantStats(tenant: string): Promise<SemanticCacheStats>;

  async lookup(
    request: SemanticCacheRequest,
    options: SemanticCacheLookupOptions = {},
  ): Promise<SemanticCacheLookupResult> {
    const prepared = this.prepare(request);
    const lookupOptions = this.parse(lookupOptionsSchema, options, 'lookup options');
    if (!isRequestCacheable(prepared, this.options)) {
      countLookup(this.local, 'miss');
      return { hit: false, reason: 'not-cacheable' };
    }
    const threshold = thresholdFor(prepared, lookupOptions.threshold, this.options);
    const refresh = this.options.refreshOnHit;
    try {
      const exact = await this.findExact(prepared, refresh);
      if (exact) return this.hit('exact', exact);
      if (lookupOptions.exactOnly || !this.semanticTier.available || prepared.matchText === '')
        return this.miss(undefined);
      const vector = await this.embed(prepared.matchText);
      if (!vector) return this.miss(undefined);
      const similar = await this.findSimilar(prepared, vector, threshold, refresh);
      if (similar.hit) return this.hit('semantic', similar.hit);
      return this.miss(similar.nearestCosine);
    } catch (error) {
      if (!this.failsOpen(error, 'lookup')) throw error;
      countLookup(this.local, 'miss');
      return { hit: false, reason: 'unavailable' };
    }
  }

  async store(
    request: SemanticCacheRequest,
    response: CachedResponse,
    options: SemanticCacheStoreOptions = {},
  ): Promise<SemanticCacheStoreResult> {
    const prepared = this.prepare(request);
    const parsedResponse = this.parse(responseSchema, response, 'cached response');
    const storeOptions = this.parse(storeOptionsSchema, options, 'store options');
    const reason = skipReason(prepared, parsedResponse as CachedResponse, this.options);
    if (reason) {
      this.local.skippedStores++;
      return { stored: false, reason };
    }
    const savings = savingsOf(prepared, parsedResponse as CachedResponse, storeOptions, this.options);
    try {
      let vector: number[] | undefined;
      if (this.semanticTier.available && prepared.matchText !== '') {
        try {
          vector = await this.embed(prepared.matchText);
        } catch (error) {
          // Without a vector the entry still serves exact hits.
          if (!this.failsOpen(error, 'store')) throw error;
        }
      }
      await this.writeEntry({
        prepared,
        response: parsedResponse as CachedResponse,
        ttlMs: storeOptions.ttlMs ?? this.options.ttlMs,
        tokens: savings.tokens,
        costUsd: savings.costUsd,
        ...(vector ? { vector } : {}),
      });
    } catch (error) {
      if (!this.failsOpen(error, 'store')) throw error;
      this.local.skippedStores++;
      return { stored: false, reason: 'unavailable' };
    }
    this.local.stores++;
    return { stored: true, entryId: prepared.entryId };
  }

  async invalidate(filter: SemanticCacheInvalidateFilter): Promise<{ removed: number }> {
    return {
      removed: await this.removeEntries(this.parse(invalidateFilterSchema, filter, 'invalidate filter')),
    };
  }

  async stats(filter?: { tenant?: string }): Promise<SemanticCacheStats> {
    const parsed = this.parse(statsFilterSchema, filter, 'stats filter');
    if (parsed?.tenant !== undefined) return this.tenantStats(parsed.tenant);
    return { ...this.local };
  }

  private parse<Schema extends z.ZodType>(schema: Schema, value: unknown, what: string): z.output<Schema> {
    return parseInput(schema, value, { what, driver: this.driver });
  }

  /** Validates a request (InvalidInputError before anything is read or written) and derives its keys. */
  private prepare(request: SemanticCacheRequest): PreparedRequest {
    const parsed = this.parse(requestSchema, request, 'semantic cache request');
    return prepareRequest(parsed as SemanticCacheRequest, this.options.includeHistoryInScope);
  }

  /** The match text's vector, or `undefined` for a zero vector (no features): it can match nothing. */
  private async embed(text: string): Promise<number[] | undefined> {
    const vector = checkEmbeddings(this.embedder, [text], await this.embedder.embed([text]))[0]!;
    return vector.some((value) => value !== 0) ? vector : undefined;
  }

  private hit(kind: 'exact' | 'semantic', entry: SemanticCacheEntryHit): SemanticCacheLookupResult {
    countLookup(this.local, { kind, tokens: entry.tokens, costUsd: entry.costUsd });
    return {
      hit: true,
      kind,
      response: entry.response,
      similarity: kind === 'exact' ? 1 : reportedSimilarity(entry.cosine),
      entryId: entry.entryId,
      ageMs: Math.max(0, entry.ageMs),
    };
  }

  private miss(nearestCosine: number | undefined): SemanticCacheLookupResult {
    countLookup(this.local, 'miss');
    return {
      hit: false,
      reason: 'no-match',
      ...(nearestCosine === undefined ? {} : { nearestSimilarity: reportedSimilarity(nearestCosine) }),
    };
  }

  /** Whether a failure becomes a miss / skipped store. Invalid input and options always throw. */
  private failsOpen(error: unknown, operation: 'lookup' | 'store'): boolean {
    if (!this.options.failOpen) return false;
    if (error instanceof InvalidInputError || TristackError.hasCode(error, 'INVALID_OPTIONS')) return false;
    this.options.onError?.(error, operation);
    return true;
  }
}
