import { createHash } from 'node:crypto';
import {
  SemanticCacheBase,
  escapeKeyPart,
  parseOptions,
  redisSemanticCacheOptionsSchema,
  semanticCacheOptionsSchema,
  type PreparedRequest,
  type RedisConnection,
  type SemanticCacheEntryHit,
  type SemanticCacheEntryWrite,
  type SemanticCacheInvalidateFilter,
  type SemanticCacheOptions,
  type SemanticCacheStats,
  type SemanticTierStatus,
} from '@tristack/core';
import { toRedisConnection } from '../connection.js';
import { splitRedisDriverOptions, type RedisDriverOptions } from '../driver-options.js';
import { redisKey } from '../keys.js';
import { hashReplyToRecord } from '../replies.js';
import { detectVectorBackend, type VectorBackendChoice } from './detect-vector-backend.js';
import { RedisearchVectorIndex, type SearchCandidate } from './redisearch-vector-index.js';
import {
  confirmHitScript,
  exactLookupScript,
  invalidateScript,
  storeScript,
  vectorSetsLookupScript,
} from './semantic-cache-scripts.js';

const DRIVER = 'redis';
const PRIMITIVE = 'semantic-cache';

export interface RedisSemanticCacheOptions extends SemanticCacheOptions, RedisDriverOptions {
  /**
   * Where vectors live. `auto` detects it when the cache is created: Vector Sets (Redis ≥ 8), else
   * the search module, else `none` (exact tier only; `semanticTier.reason` says why). An explicit
   * choice the server lacks is refused with an UNSUPPORTED error.
   * @default 'auto'
   */
  vectorBackend?: 'auto' | 'vector-sets' | 'redisearch' | 'none';
  /**
   * Vector Sets storage of each vector: `Q8` (int8, 4× smaller than NOQUANT, about 2× faster) or
   * `NOQUANT` (float32, exact scores). Fixed per vector set: changing it needs a new cache `name`.
   * @default 'Q8'
   */
  quantization?: 'Q8' | 'NOQUANT';
  /** Nearest neighbours one semantic lookup examines (expired ones are skipped and removed). @default 4 */
  candidates?: number;
  /** Vector Sets search effort (`VSIM … EF`); higher finds true neighbours more often. @default the server's */
  searchEffort?: number;
  /** Expired vector-set elements each `store` removes (Vector Sets have no per-element TTL). @default 32 */
  janitorBatch?: number;
  /** RediSearch: create the index when missing. Off for ACL roles without FT.CREATE. @default true */
  createIndex?: boolean;
  /**
   * Vector Sets: send `VSIM` as its own command, which Redis runs on a worker thread, then confirm the
   * hit with a script — 2 round trips for the semantic tier instead of 1, but the main thread only
   * spends the confirm script's time, so other clients are not blocked behind vector searches.
   * @default false
   */
  threadedSearch?: boolean;
}

type RedisOptions = ReturnType<(typeof redisSemanticCacheOptionsSchema)['parse']>;

/** Little-endian float32 bytes of the unit vector: what `VADD … FP32` and RediSearch expect. */
export function toFloat32Blob(vector: readonly number[]): Buffer {
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm) || 1;
  const blob = Buffer.allocUnsafe(vector.length * 4);
  vector.forEach((value, index) => blob.writeFloatLE(value / norm, index * 4));
  return blob;
}

/** The cosine a candidate needs so that its reported (6-decimal) similarity reaches `threshold`. */
function minimumCosine(threshold: number): number {
  return threshold === 0 ? -2 : threshold - 5e-7;
}

/**
 * SemanticCache on Redis. The exact tier is one script (a hash per entry, with its TTL) and runs on
 * every server — Redis 7, Valkey, Cluster. The semantic tier runs on Vector Sets (Redis ≥ 8: one
 * vector set per scope, FP32 queries, one script per lookup) or on the search module (an HNSW index
 * with a TAG prefilter on the scope). Every key of a tenant shares one hash tag. Create it with
 * `await RedisSemanticCache.create(options)`: the backend is detected then.
 */
export class RedisSemanticCache extends SemanticCacheBase {
  readonly semanticTier: SemanticTierStatus;
  private readonly embedderKey: string;
  private readonly searchIndex: RedisearchVectorIndex | undefined;

  private constructor(
    options: SemanticCacheOptions,
    private readonly connection: RedisConnection,
    private readonly prefix: string,
    private readonly redis: RedisOptions,
    private readonly choice: VectorBackendChoice,
  ) {
    super(options, DRIVER, 'RedisSemanticCache');
    this.semanticTier = {
      available: choice.backend !== 'none',
      backend: choice.backend,
      ...(choice.reason ? { reason: choice.reason } : {}),
    };
    // Vectors of different embedders never meet: the embedder is part of the vector set's key and
    // of the RediSearch field name.
    this.embedderKey = createHash('sha256').update(this.embedder.id).digest('hex').slice(0, 16);
    this.searchIndex =
      choice.backend === 'redisearch'
        ? new RedisearchVectorIndex(
            connection,
            `${prefix}:${PRIMITIVE}:index:${escapeKeyPart(this.options.name)}:${this.embedderKey}`,
            `${prefix}:${PRIMITIVE}:{${escapeKeyPart(this.options.name)}:`,
            `vector_${this.embedderKey}`,
            this.embedder.dimensions,
          )
        : undefined;
  }

  /** Validates the options, detects the vector backend (one COMMAND INFO per candidate) and creates the cache. */
  static async create(options: RedisSemanticCacheOptions): Promise<RedisSemanticCache> {
    const { client, prefix, rest } = splitRedisDriverOptions(options, 'RedisSemanticCache');
    // Split the Redis-only options from the ones every driver takes.
    const redisOnly = Object.keys(redisSemanticCacheOptionsSchema.shape);
    const entries = Object.entries(rest);
    const core = Object.fromEntries(
      entries.filter(([key]) => !redisOnly.includes(key)),
    ) as SemanticCacheOptions;
    const redis = parseOptions(
      redisSemanticCacheOptionsSchema,
      Object.fromEntries(entries.filter(([key]) => redisOnly.includes(key))),
      { what: 'RedisSemanticCache', driver: DRIVER },
    );
    // Bad options fail before any round trip.
    parseOptions(semanticCacheOptionsSchema, core, { what: 'RedisSemanticCache', driver: DRIVER });
    const connection = toRedisConnection(client, DRIVER);
    const choice = await detectVectorBackend(connection, redis.vectorBackend);
    const cache = new RedisSemanticCache(core, connection, prefix, redis, choice);
    if (cache.searchIndex && redis.createIndex) await cache.searchIndex.ensure();
    return cache;
  }

  private keys(tenant: string, scopeDigest = '') {
    const base = redisKey(this.prefix, PRIMITIVE, [this.options.name, tenant]);
    return {
      entryPrefix: `${base}:entry:`,
      indexPrefix: `${base}:index:`,
      vectorsPrefix: `${base}:vectors:`,
      vectorsSuffix: `:${this.embedderKey}`,
      index: `${base}:index:${scopeDigest}`,
      vectors: `${base}:vectors:${scopeDigest}:${this.embedderKey}`,
      scopes: `${base}:scopes`,
      stats: `${base}:stats`,
    };
  }

  protected async findExact(
    prepared: PreparedRequest,
    refresh: boolean,
  ): Promise<SemanticCacheEntryHit | undefined> {
    const keys = this.keys(prepared.scope.tenant, prepared.scope.digest);
    const reply = await exactLookupScript.run(
      this.connection,
      [keys.entryPrefix + prepared.entryId, keys.stats, keys.index, keys.vectors, keys.scopes],
      [prepared.scope.digest, refresh ? '1' : '0', prepared.entryId],
    );
    if (!Array.isArray(reply)) return undefined;
    return this.entryHit(prepared.entryId, reply.slice(0, 4), 1);
  }

  protected async findSimilar(
    prepared: PreparedRequest,
    vector: number[],
    threshold: number,
    refresh: boolean,
  ): Promise<{ hit?: SemanticCacheEntryHit; nearestCosine?: number }> {
    const keys = this.keys(prepared.scope.tenant, prepared.scope.digest);
    const minimum = minimumCosine(threshold);
    if (this.choice.backend === 'vector-sets' && !this.redis.threadedSearch) {
      const reply = (await vectorSetsLookupScript.run(
        this.connection,
        [keys.vectors, keys.index, keys.stats, keys.scopes],
        [
          toFloat32Blob(vector),
          String(this.redis.candidates),
          String(minimum),
          keys.entryPrefix,
          prepared.scope.digest,
          refresh ? '1' : '0',
          this.redis.searchEffort === undefined ? '' : String(this.redis.searchEffort),
        ],
      )) as unknown[];
      const nearest = reply[1] === '' || reply[1] === undefined ? undefined : 2 * Number(reply[1]) - 1;
      if (Number(reply[0]) !== 1) return nearest === undefined ? {} : { nearestCosine: nearest };
      return { hit: this.entryHit(String(reply[2]), reply.slice(3, 7), nearest!), nearestCosine: nearest! };
    }
    // VSIM as its own command (threaded), or RediSearch KNN; then one script confirms the best live candidate.
    const blob = toFloat32Blob(vector);
    const candidates =
      this.choice.backend === 'vector-sets'
        ? await this.threadedSearch(keys.vectors, blob, keys.entryPrefix)
        : await this.searchIndex!.search(prepared.scope.digest, blob, this.redis.candidates);
    const nearest = candidates[0]?.cosine;
    for (const candidate of candidates) {
      if (!candidate.key.startsWith(keys.entryPrefix)) continue;
      if (candidate.cosine < minimum) break;
      const entryId = candidate.key.slice(keys.entryPrefix.length);
      const reply = await confirmHitScript.run(
        this.connection,
        [
          candidate.key,
          keys.stats,
          keys.index,
          keys.scopes,
          this.choice.backend === 'vector-sets' ? keys.vectors : candidate.key,
        ],
        [prepared.scope.digest, refresh ? '1' : '0', entryId],
      );
      if (Array.isArray(reply))
        return { hit: this.entryHit(entryId, reply, candidate.cosine), nearestCosine: nearest! };
    }
    return nearest === undefined ? {} : { nearestCosine: nearest };
  }

  /** `VSIM` sent on its own, so Redis runs it on a worker thread; expired candidates are left to the janitor. */
  private async threadedSearch(
    vectors: string,
    blob: Buffer,
    entryPrefix: string,
  ): Promise<SearchCandidate[]> {
    const reply = await this.connection.sendCommand(
      [
        'VSIM', vectors, 'FP32', blob, 'WITHSCORES', 'COUNT', String(this.redis.candidates),
        ...(this.redis.searchEffort === undefined ? [] : ['EF', String(this.redis.searchEffort)]),
      ], // prettier-ignore
      { key: vectors, readonly: true },
    );
    // RESP3: a map { element: score } in rank order; RESP2: [element, score, …].
    const pairs: [unknown, unknown][] =
      reply instanceof Map
        ? [...reply]
        : Array.isArray(reply)
          ? Array.from({ length: reply.length / 2 }, (_, index) => [reply[index * 2], reply[index * 2 + 1]])
          : Object.entries((reply ?? {}) as Record<string, unknown>);
    return pairs
      .map(([element, score]) => ({ key: entryPrefix + String(element), cosine: 2 * Number(score) - 1 }))
      .sort((a, b) => b.cosine - a.cosine);
  }

  protected async writeEntry(write: SemanticCacheEntryWrite): Promise<void> {
    const { prepared } = write;
    const keys = this.keys(prepared.scope.tenant, prepared.scope.digest);
    const mode = this.choice.backend;
    await storeScript.run(
      this.connection,
      [keys.entryPrefix + prepared.entryId, keys.index, keys.scopes, keys.vectors, keys.stats],
      [
        prepared.scope.digest,
        prepared.entryId,
        JSON.stringify(write.response),
        String(write.ttlMs),
        String(write.tokens),
        write.costUsd.toFixed(12),
        JSON.stringify({ model: prepared.scope.model, tags: prepared.scope.tags }),
        mode,
        write.vector && mode !== 'none' ? toFloat32Blob(write.vector) : '',
        this.redis.quantization,
        String(this.redis.janitorBatch),
        this.searchIndex?.vectorField ?? '',
      ],
    );
  }

  protected async removeEntries(filter: SemanticCacheInvalidateFilter): Promise<number> {
    const keys = this.keys(filter.tenant);
    const removed = await invalidateScript.run(
      this.connection,
      [keys.scopes],
      [
        keys.entryPrefix,
        keys.indexPrefix,
        keys.vectorsPrefix,
        keys.vectorsSuffix,
        this.choice.backend,
        filter.model ?? '',
        filter.tags && Object.keys(filter.tags).length ? JSON.stringify(filter.tags) : '',
        filter.entryIds ? JSON.stringify(filter.entryIds) : '',
      ],
    );
    return Number(removed);
  }

  protected async tenantStats(tenant: string): Promise<SemanticCacheStats> {
    const { stats } = this.keys(tenant);
    const record = hashReplyToRecord(
      await this.connection.sendCommand(['HGETALL', stats], { key: stats, readonly: true }),
    );
    const number = (field: string) => Number(record[field] ?? 0);
    return {
      lookups: number('lookups'),
      exactHits: number('exactHits'),
      semanticHits: number('semanticHits'),
      misses: number('lookups') - number('exactHits') - number('semanticHits'),
      stores: number('stores'),
      skippedStores: 0,
      tokensSaved: number('tokensSaved'),
      costSavedUsd: number('costSavedUsd'),
    };
  }

  private entryHit(entryId: string, reply: unknown[], cosine: number): SemanticCacheEntryHit {
    const [response, age, tokens, cost] = reply;
    return {
      entryId,
      response: JSON.parse(String(response)),
      ageMs: Number(age),
      tokens: Number(tokens),
      costUsd: Number(cost),
      cosine,
    };
  }
}
