import {
  BaseCache,
  type CacheFullKey,
  type CacheNamespace,
  type SerializerProtocol,
} from '@langchain/langgraph-checkpoint';
import { InvalidInputError } from '@tristack/core';
import {
  idSchema,
  isWellFormedText,
  parseInput,
  parseOptions,
  type RedisConnection,
} from '@tristack/core/driver-kit';
import { toRedisConnection, type RedisDriverOptions } from '@tristack/redis';
import { RedisScript, redisKey, splitRedisDriverOptions } from '@tristack/redis/driver-kit';
import { z } from 'zod';
import { MAX_TTL_MS } from '../driver-options.js';
import { decodeValue, encodeValue } from '../serialized-value.js';
import clearSource from './lua/clear-1.lua.generated.js';
import setSource from './lua/set-1.lua.generated.js';

const DRIVER = 'langgraph-redis';
const PRIMITIVE = 'langgraph-cache';

// Keys of one cache (one hash tag, the cache name), every part encoded by redisKey:
//   entry      <prefix>:langgraph-cache:{<name>}:e:<namespace>:<key>  STRING value, PX = the entry's ttl
//   index      <prefix>:langgraph-cache:{<name>}:i:<namespace>        SET of that namespace's entry keys
//   namespaces <prefix>:langgraph-cache:{<name>}:namespaces           SET of the index keys in use
// <namespace> is the namespace's labels as a JSON array (one part, injective). clear() walks the
// indexes, never KEYS/SCAN. The Lua lives in ./lua.

const setScript = new RedisScript('langgraph-cache.set', setSource);

const clearScript = new RedisScript('langgraph-cache.clear', clearSource);

export interface RedisNodeCacheOptions extends RedisDriverOptions {
  /**
   * Name of the cache: all its keys share this hash tag (one slot), so `get` is one MGET and
   * `set`/`clear` one script. Use several names to spread caches over a cluster.
   * @default 'default'
   */
  name?: string;
  /** @default JsonPlusSerializer */
  serde?: SerializerProtocol;
}

const optionsSchema = z.object({ name: idSchema.default('default') });

/** Longest entry TTL in seconds (`MAX_TTL_MS`, 2^47 ms, about 4,460 years): every PX stays a valid Redis integer. */
export const MAX_NODE_CACHE_TTL_SECONDS = Math.floor(MAX_TTL_MS / 1000);

/** `[namespace labels, key]`: strings only, so no number or object is coerced into a key. */
const fullKeySchema = z.tuple([z.array(z.string()), z.string()]);
const getKeysSchema = z.array(fullKeySchema);

/** A `set` batch, checked as a whole before the first command: one bad entry writes nothing. */
const setBatchSchema = z.array(
  z.object({
    key: fullKeySchema,
    value: z.unknown(),
    /** Seconds, as LangGraph's `CachePolicy.ttl`; absent (or null) keeps the entry without expiry. */
    ttl: z.number().min(0).max(MAX_NODE_CACHE_TTL_SECONDS).nullish(),
  }),
);

/**
 * LangGraph node cache (`compile({ cache })`) on Redis: `get` is one MGET, `set` one script with
 * per-entry PX, `clear` by namespace through an index (never KEYS).
 */
export class RedisNodeCache<V = unknown> extends BaseCache<V> {
  private readonly connection: RedisConnection;
  private readonly prefix: string;
  private readonly name: string;

  constructor(options: RedisNodeCacheOptions) {
    super(options?.serde);
    this.prefix = splitRedisDriverOptions(options, 'RedisNodeCache').prefix;
    const { client: _client, prefix: _prefix, serde: _serde, ...rest } = options;
    this.name = parseOptions(optionsSchema, rest, { what: 'RedisNodeCache', driver: DRIVER }).name;
    this.connection = toRedisConnection(options.client, DRIVER);
  }

  async get(keys: CacheFullKey[]): Promise<{ key: CacheFullKey; value: V }[]> {
    parseInput(getKeysSchema, keys, { what: 'node cache keys', driver: DRIVER });
    if (keys.length === 0) return [];
    const entryKeys = keys.map(([namespace, key]) => this.entryKey(namespace, key));
    const values = (await this.connection.sendCommand(['MGET', ...entryKeys], {
      key: entryKeys[0],
      readonly: true,
    })) as (string | null)[];
    const hits: { key: CacheFullKey; value: V }[] = [];
    for (const [index, stored] of values.entries())
      if (stored !== null)
        hits.push({ key: keys[index]!, value: (await decodeValue(this.serde, stored)) as V });
    return hits;
  }

  async set(pairs: { key: CacheFullKey; value: V; ttl?: number }[]): Promise<void> {
    parseInput(setBatchSchema, pairs, { what: 'node cache entries', driver: DRIVER });
    if (pairs.length === 0) return;
    const args: string[] = [];
    for (const {
      key: [namespace, key],
      value,
      ttl,
    } of pairs) {
      const ttlMs = ttl === undefined || ttl === null ? 0 : Math.max(1, Math.round(ttl * 1000));
      args.push(
        this.entryKey(namespace, key),
        this.indexKey(namespace),
        await encodeValue(this.serde, value),
        String(ttlMs),
      );
    }
    await setScript.run(this.connection, [this.namespacesKey()], args);
  }

  async clear(namespaces: CacheNamespace[]): Promise<void> {
    const args = namespaces.map((namespace) => this.indexKey(namespace));
    await clearScript.run(this.connection, [this.namespacesKey()], args);
  }

  private entryKey(namespace: CacheNamespace, key: string): string {
    return redisKey(this.prefix, PRIMITIVE, this.name, 'e', namespaceText(namespace), key);
  }

  private indexKey(namespace: CacheNamespace): string {
    return redisKey(this.prefix, PRIMITIVE, this.name, 'i', namespaceText(namespace));
  }

  private namespacesKey(): string {
    return redisKey(this.prefix, PRIMITIVE, this.name, 'namespaces');
  }
}

/**
 * A namespace as one key part: its labels as a JSON array, so ['a|b'] and ['a', 'b'] differ;
 * redisKey encodes it. JSON escapes a lone surrogate, so no label throws an untyped URIError.
 */
function namespaceText(namespace: CacheNamespace): string {
  // A lone surrogate would be escaped by JSON, but ids are well-formed everywhere else: reject it.
  for (const label of namespace)
    if (typeof label !== 'string' || !isWellFormedText(label))
      throw new InvalidInputError(
        'invalid node cache namespace: labels must be well-formed strings (no lone surrogate)',
        { driver: DRIVER },
      );
  return JSON.stringify(namespace);
}
