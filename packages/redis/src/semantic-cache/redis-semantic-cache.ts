import { createHash } from 'node:crypto';
import {
  encodeKeyPart,
  type SemanticCacheInvalidateFilter,
  type SemanticCacheOptions,
  type SemanticCacheStats,
  type SemanticTierStatus,
} from '@tristack/core';
import {
  SemanticCacheBase,
  parseOptions,
  semanticCacheOptionsSchema,
  type PreparedSemanticCacheRequest as PreparedRequest,
  type RedisConnection,
  type SemanticCacheCandidate,
  type SemanticCacheEntryHit,
  type SemanticCacheEntryWrite,
  type SemanticCacheRejection,
  type SemanticCacheTiersReply,
} from '@tristack/core/driver-kit';
import { toRedisConnection } from '../connection.js';
import { splitRedisDriverOptions, type RedisDriverOptions } from '../driver-options.js';
import { redisKey } from '../keys.js';
import { hashReplyToRecord } from '../replies.js';
import { detectVectorBackend, type VectorBackendChoice } from './detect-vector-backend.js';
import { RedisearchVectorIndex } from './redisearch-vector-index.js';
import { RedisSemanticCacheInspector } from './redis-semantic-cache-inspector.js';
import {
  redisSemanticCacheOptionsSchema,
  type ResolvedRedisSemanticCacheOptions,
} from './redis-semantic-cache-options.js';
import { rejectionCounters } from './rejection-counters.js';
import {
  confirmHitScript,
  exactLookupScript,
  invalidateScript,
  lookupScript,
  restartTtlScript,
  storeScript,
  vectorSetsCandidatesScript,
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

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Little-endian float32 bytes of the unit vector: what `VADD … FP32` and RediSearch expect. */
export function toFloat32Blob(vector: readonly number[]): Buffer {
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm) || 1;
  // One typed-array fill (the same float32 rounding as writeFloatLE), on every lookup's path.
  const floats = new Float32Array(vector.length);
  for (let index = 0; index < vector.length; index++) floats[index] = vector[index]! / norm;
  const blob = Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength);
  return LITTLE_ENDIAN ? blob : blob.swap32();
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
  /** Speculative hits whose TTL restart is due, once the guard accepts them: their scope's keys. */
  private readonly restartDue = new WeakMap<SemanticCacheEntryHit, ReturnType<RedisSemanticCache['keys']>>();

  private constructor(
    options: SemanticCacheOptions,
    private readonly connection: RedisConnection,
    private readonly prefix: string,
    private readonly redis: ResolvedRedisSemanticCacheOptions,
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
            `${prefix}:${PRIMITIVE}:index:${encodeKeyPart(this.options.name)}:${this.embedderKey}`,
            `${prefix}:${PRIMITIVE}:{${encodeKeyPart(this.options.name)}:`,
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

  /** A read-only view of this cache's tenants. */
  inspector(): RedisSemanticCacheInspector {
    return new RedisSemanticCacheInspector({
      client: this.connection,
      prefix: this.prefix,
      boundTo: { cache: this.options.name, semanticTier: this.semanticTier },
    });
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

  /**
   * Vector Sets (VSIM inside the script): both tiers in one script, the best candidate counted as
   * the hit ahead of the guard. RediSearch and `threadedSearch` run the steps instead.
   */
  protected override async lookupTiers(
    prepared: PreparedRequest,
    refresh: boolean,
    vector: number[],
    bounds: { floor: number; speculateFrom?: number; exactChecked: boolean },
  ): Promise<SemanticCacheTiersReply | undefined> {
    if (this.choice.backend !== 'vector-sets' || this.redis.threadedSearch) return undefined;
    const keys = this.keys(prepared.scope.tenant, prepared.scope.digest);
    const reply = (await lookupScript.run(
      this.connection,
      [keys.entryPrefix + prepared.entryId, keys.stats, keys.index, keys.vectors, keys.scopes],
      [
        prepared.scope.digest,
        refresh ? '1' : '0',
        bounds.exactChecked ? '' : prepared.entryId,
        toFloat32Blob(vector),
        String(this.redis.candidates),
        keys.entryPrefix,
        this.redis.searchEffort === undefined ? '' : String(this.redis.searchEffort),
        String(bounds.floor),
        bounds.speculateFrom === undefined ? '' : String(bounds.speculateFrom),
      ],
    )) as unknown[];
    if (reply[0] === 1)
      return { exact: this.entryHit(prepared.entryId, reply.slice(1, 5), 1), candidates: [] };
    const listed: SemanticCacheCandidate[] = [];
    for (let index = 7; index + 2 < reply.length; index += 3) {
      const matchText = reply[index + 2];
      listed.push({
        entryId: String(reply[index]),
        cosine: Number(reply[index + 1]),
        ...(typeof matchText === 'string' ? { matchText } : {}),
      });
    }
    const hitPosition = Number(reply[1]);
    const chosen = hitPosition > 0 ? listed[hitPosition - 1] : undefined;
    const candidates = [...listed].sort((left, right) => right.cosine - left.cosine);
    const speculativeHit = chosen && this.entryHit(chosen.entryId, reply.slice(2, 6), chosen.cosine);
    // Nothing restarts ahead of the guard: a due restart waits for its verdict (speculativeHitServed).
    if (speculativeHit && reply[6] === 1) this.restartDue.set(speculativeHit, keys);
    return {
      candidates,
      ...(candidates.length ? { nearestCosine: candidates[0]!.cosine } : {}),
      ...(speculativeHit ? { speculativeHit } : {}),
    };
  }

  protected async findCandidates(
    prepared: PreparedRequest,
    vector: number[],
  ): Promise<{ candidates: SemanticCacheCandidate[]; nearestCosine?: number }> {
    const keys = this.keys(prepared.scope.tenant, prepared.scope.digest);
    const blob = toFloat32Blob(vector);
    let candidates: SemanticCacheCandidate[];
    if (this.choice.backend === 'vector-sets') {
      // In one script (VSIM inside), or VSIM on its own (threaded) and then the script rescores.
      const found = this.redis.threadedSearch ? await this.threadedSearch(keys.vectors, blob) : [];
      if (this.redis.threadedSearch && found.length === 0) return { candidates: [] };
      const reply = (await vectorSetsCandidatesScript.run(
        this.connection,
        [keys.vectors, keys.index],
        [
          blob,
          String(this.redis.candidates),
          keys.entryPrefix,
          prepared.scope.digest,
          this.redis.searchEffort === undefined ? '' : String(this.redis.searchEffort),
          ...found,
        ],
      )) as unknown[];
      candidates = [];
      for (let index = 0; index + 2 < reply.length; index += 3) {
        const matchText = reply[index + 2];
        candidates.push({
          entryId: String(reply[index]),
          cosine: Number(reply[index + 1]),
          ...(typeof matchText === 'string' ? { matchText } : {}),
        });
      }
    } else {
      // RediSearch scores FLOAT32 vectors without quantisation: its distances are already exact.
      candidates = (await this.searchIndex!.search(prepared.scope.digest, blob, this.redis.candidates))
        .filter((candidate) => candidate.key.startsWith(keys.entryPrefix))
        .map((candidate) => ({
          entryId: candidate.key.slice(keys.entryPrefix.length),
          cosine: candidate.cosine,
          ...(candidate.matchText === undefined ? {} : { matchText: candidate.matchText }),
        }));
    }
    candidates.sort((left, right) => right.cosine - left.cosine);
    return candidates.length ? { candidates, nearestCosine: candidates[0]!.cosine } : { candidates };
  }

  /** A speculative hit the guard accepted: its TTL restart, when the lookup found one due (not awaited). */
  protected override speculativeHitServed(prepared: PreparedRequest, hit: SemanticCacheEntryHit): void {
    const keys = this.restartDue.get(hit);
    if (!keys) return;
    this.restartDue.delete(hit);
    restartTtlScript
      .run(
        this.connection,
        [keys.entryPrefix + hit.entryId, keys.index, keys.vectors, keys.scopes],
        [prepared.scope.digest, hit.entryId],
      )
      .catch((error: unknown) => this.reportBackgroundError(error, 'lookup'));
  }

  protected async confirmCandidate(
    prepared: PreparedRequest,
    candidate: SemanticCacheCandidate | undefined,
    refresh: boolean,
    rejections: readonly SemanticCacheRejection[],
    takeBack?: SemanticCacheEntryHit,
  ): Promise<SemanticCacheEntryHit | undefined> {
    const keys = this.keys(prepared.scope.tenant, prepared.scope.digest);
    const entryId = candidate?.entryId ?? '';
    const reply = await confirmHitScript.run(
      this.connection,
      [
        keys.entryPrefix + entryId,
        keys.stats,
        keys.index,
        keys.scopes,
        this.choice.backend === 'vector-sets' ? keys.vectors : keys.entryPrefix + entryId,
      ],
      [
        prepared.scope.digest,
        refresh ? '1' : '0',
        entryId,
        takeBack ? '1' : '0',
        String(takeBack?.tokens ?? 0),
        String(takeBack?.costUsd ?? 0),
        ...rejections.map((reason) => (reason === 'judge' ? 'judgeRejections' : `guard:${reason}`)),
      ],
    );
    return Array.isArray(reply) && candidate ? this.entryHit(entryId, reply, candidate.cosine) : undefined;
  }

  /** `VSIM` sent on its own, so Redis runs it on a worker thread: `[element, score, …]`. */
  private async threadedSearch(vectors: string, blob: Buffer): Promise<string[]> {
    const reply = await this.connection.sendCommand(
      [
        'VSIM', vectors, 'FP32', blob, 'WITHSCORES', 'COUNT', String(this.redis.candidates),
        ...(this.redis.searchEffort === undefined ? [] : ['EF', String(this.redis.searchEffort)]),
      ], // prettier-ignore
      { key: vectors, readonly: true },
    );
    // RESP3: a map { element: score }; RESP2: [element, score, …].
    const pairs: [unknown, unknown][] =
      reply instanceof Map
        ? [...reply]
        : Array.isArray(reply)
          ? Array.from({ length: reply.length / 2 }, (_, index) => [reply[index * 2], reply[index * 2 + 1]])
          : Object.entries((reply ?? {}) as Record<string, unknown>);
    return pairs.flatMap(([element, score]) => [String(element), String(score)]);
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
        write.vector && mode !== 'none' ? prepared.matchText : '',
        mode === 'vector-sets' && this.redis.quantization !== 'NOQUANT' ? '1' : '0',
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
      ...rejectionCounters(record),
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
