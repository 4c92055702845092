import {
  BaseCache,
  type CacheFullKey,
  type CacheNamespace,
  type SerializerProtocol,
} from '@langchain/langgraph-checkpoint';
import { idSchema, parseOptions, type RedisConnection } from '@tristack/core';
import { RedisScript, redisKey, toRedisConnection } from '@tristack/redis';
import { z } from 'zod';
import { checkAdapterOptions, type RedisAdapterOptions } from '../driver-options.js';
import { decodeValue, encodeValue } from '../serialized-value.js';

const DRIVER = 'langgraph-redis';
const PRIMITIVE = 'langgraph-cache';

// Keys of one cache (one hash tag, the cache name):
//   entry      <prefix>:langgraph-cache:{<name>}:e:<namespace>:<key>  STRING value, PX = the entry's ttl
//   index      <prefix>:langgraph-cache:{<name>}:i:<namespace>        SET of that namespace's entry keys
//   namespaces <prefix>:langgraph-cache:{<name>}:namespaces           SET of namespaces seen
// clear() walks the indexes, never KEYS/SCAN.

/** KEYS: namespaces. ARGV: triples entry key, index key, namespace, then value, ttl ms (0 = none). */
const setScript = new RedisScript(
  'langgraph-cache.set',
  `
for i = 1, #ARGV, 5 do
  if ARGV[i + 4] ~= '0' then
    redis.call('SET', ARGV[i], ARGV[i + 3], 'PX', ARGV[i + 4])
  else
    redis.call('SET', ARGV[i], ARGV[i + 3])
  end
  redis.call('SADD', ARGV[i + 1], ARGV[i])
  redis.call('SADD', KEYS[1], ARGV[i + 2])
end
return 1
`,
);

/** KEYS: namespaces. ARGV: '*' for all, else namespace/index pairs. Deletes entries through the indexes. */
const clearScript = new RedisScript(
  'langgraph-cache.clear',
  `
local pairs = {}
if ARGV[1] == '*' then
  for _, namespace in ipairs(redis.call('SMEMBERS', KEYS[1])) do
    pairs[#pairs + 1] = { namespace, ARGV[2] .. namespace }
  end
else
  for i = 1, #ARGV, 2 do pairs[#pairs + 1] = { ARGV[i], ARGV[i + 1] } end
end
for _, pair in ipairs(pairs) do
  local entries = redis.call('SMEMBERS', pair[2])
  for first = 1, #entries, 1000 do
    redis.call('DEL', unpack(entries, first, math.min(first + 999, #entries)))
  end
  redis.call('DEL', pair[2])
  redis.call('SREM', KEYS[1], pair[1])
end
return #pairs
`,
);

export interface RedisNodeCacheOptions extends RedisAdapterOptions {
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
    this.prefix = checkAdapterOptions(options, 'RedisNodeCache');
    const { client: _client, prefix: _prefix, serde: _serde, ...rest } = options;
    this.name = parseOptions(optionsSchema, rest, { what: 'RedisNodeCache', driver: DRIVER }).name;
    this.connection = toRedisConnection(options.client, DRIVER);
  }

  async get(keys: CacheFullKey[]): Promise<{ key: CacheFullKey; value: V }[]> {
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
    if (pairs.length === 0) return;
    const args: string[] = [];
    for (const {
      key: [namespace, key],
      value,
      ttl,
    } of pairs) {
      const ttlMs = ttl === undefined ? 0 : Math.max(1, Math.round(ttl * 1000));
      const name = namespaceText(namespace);
      args.push(
        this.entryKey(namespace, key),
        this.indexKey(name),
        name,
        await encodeValue(this.serde, value),
        String(ttlMs),
      );
    }
    await setScript.run(this.connection, [this.namespacesKey()], args);
  }

  async clear(namespaces: CacheNamespace[]): Promise<void> {
    const args =
      namespaces.length === 0
        ? ['*', this.indexKey('')]
        : namespaces.flatMap((namespace) => {
            const name = namespaceText(namespace);
            return [name, this.indexKey(name)];
          });
    await clearScript.run(this.connection, [this.namespacesKey()], args);
  }

  private entryKey(namespace: CacheNamespace, key: string): string {
    return redisKey(this.prefix, PRIMITIVE, this.name, 'e', namespaceText(namespace), key);
  }

  /** Index key of a namespace; with '' it is the common stem the clear-all script appends to. */
  private indexKey(name: string): string {
    return `${redisKey(this.prefix, PRIMITIVE, this.name, 'i')}:${name}`;
  }

  private namespacesKey(): string {
    return redisKey(this.prefix, PRIMITIVE, this.name, 'namespaces');
  }
}

/** A namespace as one escaped key segment (labels joined by '|', each escaped). */
function namespaceText(namespace: CacheNamespace): string {
  return namespace.map((label) => encodeURIComponent(label)).join('|');
}
