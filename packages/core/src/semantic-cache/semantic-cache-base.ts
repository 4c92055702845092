import type { z } from 'zod';
import { InvalidInputError, TristackError } from '../errors.js';
import { parseInput, parseOptions } from '../validation.js';
import { CachingEmbedder, checkEmbeddings } from './caching-embedder.js';
import type { Embedder } from './embedder.js';
import { LocalNgramEmbedder } from './local-ngram-embedder.js';
import { defaultNearMissGuard } from './near-miss-guard/default-near-miss-guard.js';
import type { NearMissGuard, NearMissReason } from './near-miss-guard/near-miss-guard.js';
import type { SemanticCacheOptions } from './options.js';
import { isRequestCacheable, reportedSimilarity, savingsOf, skipReason, thresholdFor } from './policy.js';
import { prepareRequest, type PreparedRequest } from './prepare-request.js';
import { checkCachedResponseSize, checkCacheRequestSize } from './request-limits.js';
import {
  invalidateFilterSchema,
  lookupOptionsSchema,
  requestSchema,
  responseSchema,
  semanticCacheOptionsSchema,
  statsFilterSchema,
  storeOptionsSchema,
  type ResolvedSemanticCacheOptions,
} from './schemas.js';
import { copyStats, countLookup, countRejections, emptyStats } from './stats.js';
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

/** A live in-scope entry the vector index found near the query, rescored at full precision. */
export interface SemanticCacheCandidate {
  entryId: string;
  /** Cosine similarity of the full-precision vectors (never an index's quantised score). */
  cosine: number;
  /** The entry's match text, for the near-miss guard (absent on entries stored without it). */
  matchText?: string;
}

/**
 * What `lookupTiers` found in its one round trip: an exact hit, or the semantic tier's candidates
 * (as `findCandidates` returns them) and maybe the hit it counted ahead of the guard.
 */
export interface SemanticCacheTiersReply {
  /** The exact tier's hit (counted and refreshed); nothing else is looked at then. */
  exact?: SemanticCacheEntryHit;
  /** Live in-scope candidates, best first by full-precision cosine. */
  candidates: SemanticCacheCandidate[];
  /** The nearest cosine seen. */
  nearestCosine?: number;
  /**
   * The best candidate at or above `speculateFrom`, already counted as the hit in the same round
   * trip (its TTL restart, if due, waits for `speculativeHitServed`). When the guard turns it
   * down, the next `confirmCandidate` takes the count back (its `takeBack`).
   */
  speculativeHit?: SemanticCacheEntryHit;
}

/** Why a candidate was turned down: a guard reason, or the judge. */
export type SemanticCacheRejection = NearMissReason | 'judge';

/**
 * The request flow every SemanticCache driver shares — validation, scoping, do-not-cache rules,
 * exact tier first, embedding only on an exact miss, fail-open, counters — over five storage
 * operations a driver implements. Drivers count per-tenant stats inside their own round trips.
 * For driver authors.
 *
 * The contract does not include: embedding (the base class calls the embedder, a driver gets
 * vectors), the vector index itself (Vector Sets, RediSearch or a linear scan are the driver's
 * choice), key layout, entry expiry mechanics, and connection handling.
 */
export abstract class SemanticCacheBase implements SemanticCache {
  readonly embedder: Embedder;
  abstract readonly semanticTier: SemanticTierStatus;
  protected readonly options: ResolvedSemanticCacheOptions;
  private readonly local = emptyStats();
  private readonly guard: NearMissGuard | undefined;

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
    this.guard = this.options.guard === false ? undefined : (this.options.guard ?? defaultNearMissGuard);
  }

  /** The exact tier: the entry stored for exactly this request, refreshed when `refresh`. Counts the lookup. */
  protected abstract findExact(
    prepared: PreparedRequest,
    refresh: boolean,
  ): Promise<SemanticCacheEntryHit | undefined>;

  /**
   * The semantic tier, step 1 (reads only): the live in-scope entries nearest to `vector`, best
   * first by full-precision cosine, at least those whose reported similarity reaches `threshold`
   * (a driver may return more), and the nearest cosine seen.
   */
  protected abstract findCandidates(
    prepared: PreparedRequest,
    vector: number[],
    threshold: number,
  ): Promise<{ candidates: SemanticCacheCandidate[]; nearestCosine?: number }>;

  /**
   * Step 2: makes `candidate` the hit — re-checks it is still there, refreshes it when `refresh`,
   * counts the hit and `rejections` (candidates turned down before it) in the tenant's counters.
   * `undefined` if it went meanwhile. Without a candidate, only counts `rejections`.
   */
  protected abstract confirmCandidate(
    prepared: PreparedRequest,
    candidate: SemanticCacheCandidate | undefined,
    refresh: boolean,
    rejections: readonly SemanticCacheRejection[],
    takeBack?: SemanticCacheEntryHit,
  ): Promise<SemanticCacheEntryHit | undefined>;

  /**
   * Optional: the exact tier and, on a miss, the semantic tier's candidates for `vector`, in one
   * round trip (`exactChecked`: the exact tier already missed and counted the lookup; only the
   * candidates). The driver may also count the best candidate whose reported similarity reaches
   * `speculateFrom` as the hit (`speculativeHit`), ahead of the near-miss guard (restarting nothing
   * until `speculativeHitServed`):
   * a later `confirmCandidate` call gets it as `takeBack` when it was not the hit. `floor` is the
   * lookup's similarity threshold. Resolves `undefined` when this cache cannot (nothing was read):
   * the base then runs `findExact` / `findCandidates`. The base embeds before the exact tier only
   * for a `local` embedder.
   */
  protected lookupTiers?(
    prepared: PreparedRequest,
    refresh: boolean,
    vector: number[],
    bounds: { floor: number; speculateFrom?: number; exactChecked: boolean },
  ): Promise<SemanticCacheTiersReply | undefined>;

  /**
   * Optional: the guard accepted `hit`, the speculative hit of `lookupTiers`, and it is being served.
   * A driver that deferred work on it until the verdict (a TTL restart) starts it here; the base
   * does not wait for it.
   */
  protected speculativeHitServed?(prepared: PreparedRequest, hit: SemanticCacheEntryHit): void;

  /** An error of work the caller did not wait for: `onError`, never thrown. */
  protected reportBackgroundError(error: unknown, operation: 'lookup' | 'store'): void {
    this.callOnError(error, operation);
  }

  /** `onError`, whose own failure (a throw, or a rejected promise of an async hook) goes nowhere. */
  private callOnError(error: unknown, operation: 'lookup' | 'store'): void {
    try {
      const returned: unknown = this.options.onError?.(error, operation);
      if (returned instanceof Promise) returned.catch(() => {});
    } catch {
      // The hook's own failure has nowhere to go.
    }
  }

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
    // With a judge, the band's low end replaces `similarityThreshold`; a per-call or per-scope threshold still rules.
    const threshold = thresholdFor(
      prepared,
      lookupOptions.threshold,
      this.options.judgeBand
        ? { ...this.options, similarityThreshold: this.options.judgeBand[0] }
        : this.options,
    );
    const refresh = this.options.refreshOnHit;
    const semantic = !lookupOptions.exactOnly && this.semanticTier.available && prepared.matchText !== '';
    try {
      // A local embedder costs no round trip: embed first, and look both tiers up in one.
      if (semantic && this.lookupTiers && this.embedder.local) {
        const vector = await this.embed(prepared.matchText).catch(() => undefined);
        const found =
          vector && (await this.lookupTiers(prepared, refresh, vector, this.bounds(threshold, false)));
        if (found?.exact) return this.hit('exact', found.exact);
        if (found) return await this.semanticLookup(prepared, vector!, threshold, found);
        // The embedder failed (or gave a zero vector), or the driver cannot: the steps below.
      }
      const exact = await this.findExact(prepared, refresh);
      if (exact) return this.hit('exact', exact);
      if (!semantic) return this.miss(undefined);
      const vector = await this.embed(prepared.matchText);
      if (!vector) return this.miss(undefined);
      const found = await this.lookupTiers?.(prepared, refresh, vector, this.bounds(threshold, true));
      return await this.semanticLookup(prepared, vector, threshold, found);
    } catch (error) {
      if (!this.failsOpen(error, 'lookup')) throw error;
      countLookup(this.local, 'miss');
      return { hit: false, reason: 'unavailable' };
    }
  }

  /**
   * Candidates best first: below the threshold they miss; at threshold 1 only the same match text
   * hits (no rounding or quantisation can make another question "identical"); the guard turns
   * look-alikes down; in the judge band the judge decides. The first candidate left is the hit.
   */
  private async semanticLookup(
    prepared: PreparedRequest,
    vector: number[],
    floor: number,
    found?: SemanticCacheTiersReply,
  ): Promise<SemanticCacheLookupResult> {
    const { candidates, nearestCosine, speculativeHit }: SemanticCacheTiersReply =
      found ?? (await this.findCandidates(prepared, vector, floor));
    // A hit the driver counted ahead of the guard, until a confirm call takes it back.
    const pending = { takeBack: speculativeHit };
    try {
      return await this.chooseCandidate(prepared, floor, candidates, nearestCosine, speculativeHit, pending);
    } catch (error) {
      // A failing judge (say) or a failed confirm call must not leave a hit counted that was never
      // served: one more take-back, in the background. Stats stay best-effort: if this one fails
      // too, or the process dies before either, the hit stays counted (see the docs).
      if (pending.takeBack)
        void this.confirmCandidate(prepared, undefined, false, [], pending.takeBack).catch(() => {});
      throw error;
    }
  }

  /** `speculateFrom`: at or above it no judge is asked, so the guard alone decides (threshold 1: never). */
  private bounds(floor: number, exactChecked: boolean) {
    const { judge, judgeBand } = this.options;
    if (floor >= 1) return { floor, exactChecked };
    return { floor, exactChecked, speculateFrom: judge && judgeBand ? Math.max(floor, judgeBand[1]) : floor };
  }

  private async chooseCandidate(
    prepared: PreparedRequest,
    floor: number,
    candidates: readonly SemanticCacheCandidate[],
    nearestCosine: number | undefined,
    speculativeHit: SemanticCacheEntryHit | undefined,
    pending: { takeBack: SemanticCacheEntryHit | undefined },
  ): Promise<SemanticCacheLookupResult> {
    const { judge, judgeBand } = this.options;
    const rejections: SemanticCacheRejection[] = [];
    for (const candidate of candidates) {
      const similarity = reportedSimilarity(candidate.cosine);
      if (similarity < floor) break;
      if (floor >= 1 && candidate.matchText !== prepared.matchText) continue;
      if (this.guard) {
        if (candidate.matchText === undefined) continue;
        const verdict = this.guard.check(candidate.matchText, prepared.matchText);
        if (!verdict.accept) {
          rejections.push(verdict.reason);
          continue;
        }
      }
      if (judge && judgeBand && similarity < judgeBand[1] && floor < 1) {
        const accepted = await judge({
          stored: candidate.matchText ?? '',
          query: prepared.matchText,
          similarity,
          scope: prepared.scope,
        });
        if (!accepted) {
          rejections.push('judge');
          continue;
        }
      }
      if (speculativeHit && candidate.entryId === speculativeHit.entryId) {
        // Counted and refreshed already: only candidates turned down before it (ties) remain.
        pending.takeBack = undefined;
        if (rejections.length) await this.confirmCandidate(prepared, undefined, false, rejections);
        countRejections(this.local, rejections);
        this.speculativeHitServed?.(prepared, speculativeHit);
        return this.hit('semantic', speculativeHit);
      }
      // The take-back stays pending until the call that carries it has answered: if it fails, the
      // catch in semanticLookup tries once more.
      const hit = await this.confirmCandidate(
        prepared,
        candidate,
        this.options.refreshOnHit,
        rejections,
        pending.takeBack,
      );
      pending.takeBack = undefined;
      if (hit) {
        countRejections(this.local, rejections);
        return this.hit('semantic', hit);
      }
    }
    if (rejections.length === 0 && !pending.takeBack) return this.miss(nearestCosine);
    await this.confirmCandidate(prepared, undefined, false, rejections, pending.takeBack);
    pending.takeBack = undefined;
    if (rejections.length === 0) return this.miss(nearestCosine);
    countRejections(this.local, rejections);
    countLookup(this.local, 'miss');
    return {
      hit: false,
      reason: 'near-miss',
      rejectedBy: rejections[0]!,
      ...(nearestCosine === undefined ? {} : { nearestSimilarity: reportedSimilarity(nearestCosine) }),
    };
  }

  async store(
    request: SemanticCacheRequest,
    response: CachedResponse,
    options: SemanticCacheStoreOptions = {},
  ): Promise<SemanticCacheStoreResult> {
    const prepared = this.prepare(request);
    checkCachedResponseSize(response, this.driver);
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
    return copyStats(this.local);
  }

  private parse<Schema extends z.ZodType>(schema: Schema, value: unknown, what: string): z.output<Schema> {
    return parseInput(schema, value, { what, driver: this.driver });
  }

  /** Validates a request (InvalidInputError before anything is read or written) and derives its keys. */
  private prepare(request: SemanticCacheRequest): PreparedRequest {
    checkCacheRequestSize(request, this.driver);
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
      saved: { tokens: entry.tokens, costUsd: entry.costUsd },
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
    this.callOnError(error, operation);
    return true;
  }
}
