import {
  encodeKeyPart,
  type DiscoveryOptions,
  type SemanticCacheInspection,
  type SemanticCacheInspector,
  type SemanticCacheTenantState,
  type SemanticTierStatus,
} from '@tristack/core';
import type { RedisConnection } from '@tristack/core/driver-kit';
import { toRedisConnection, type RedisClientInput } from '../connection.js';
import { splitRedisDriverOptions, type RedisDriverOptions } from '../driver-options.js';
import { hashReplyToRecord } from '../replies.js';
import { rejectionCounters } from './rejection-counters.js';
import { globEscape, parseTaggedKey, scanKeys } from '../scan-keys.js';
import { serverTime } from '../server-time.js';
import { detectVectorBackend } from './detect-vector-backend.js';

const DRIVER = 'redis';
const PRIMITIVE = 'semantic-cache';

export interface RedisSemanticCacheInspectorOptions extends RedisDriverOptions {
  /**
   * Inspect only this cache, with its vector backend (what `RedisSemanticCache.inspector()`
   * passes). Without it every cache is inspected and the backend is detected from the server.
   */
  boundTo?: { cache: string; semanticTier: SemanticTierStatus };
}

/** The keys of one (cache, tenant) an inspection reads. */
interface TenantKeys {
  cache: string;
  tenant: string;
  stats?: string;
  scopes?: string;
  indexes: string[];
  vectors: string[];
}

/**
 * `SemanticCacheInspector` on the keys `RedisSemanticCache` writes per (cache, tenant):
 * `<prefix>:semantic-cache:{<cache>:<tenant>}:` + `stats` (counters), `scopes` (one field per
 * scope), `index:<scope>` (entry id → expiry), `vectors:<scope>:<embedder>` (a vector set).
 * Found with SCAN (every master of a cluster); the `entry:` hashes are left out of the scan.
 */
export class RedisSemanticCacheInspector implements SemanticCacheInspector {
  private readonly client: RedisClientInput;
  private readonly connection: RedisConnection;
  private readonly prefix: string;
  private readonly boundTo: RedisSemanticCacheInspectorOptions['boundTo'];

  constructor(options: RedisSemanticCacheInspectorOptions) {
    const { client, prefix, rest } = splitRedisDriverOptions(options, 'RedisSemanticCacheInspector');
    this.client = client;
    this.connection = toRedisConnection(client, DRIVER);
    this.prefix = prefix;
    this.boundTo = rest.boundTo;
  }

  async tenants(options: DiscoveryOptions = {}): Promise<SemanticCacheInspection> {
    const cache = this.boundTo ? `${encodeKeyPart(this.boundTo.cache)}:*` : '*';
    // `[isv]`: index:, scopes, stats, vectors: — not the (many) entry: hashes.
    const pattern = `${globEscape(`${this.prefix}:${PRIMITIVE}:`)}{${cache}}:[isv]*`;
    const [{ keys, truncated }, now, available] = await Promise.all([
      scanKeys(this.client, pattern, options.limit),
      serverTime(this.connection),
      this.boundTo ? this.boundTo.semanticTier : detectVectorBackend(this.connection, 'auto'),
    ]);
    const byTenant = new Map<string, TenantKeys>();
    const undecodable: string[] = [];
    for (const key of keys) {
      const parsed = parseTaggedKey(key, this.prefix, PRIMITIVE);
      if (parsed?.ids.length !== 2) {
        undecodable.push(key);
        continue;
      }
      const [cacheName, tenant] = parsed.ids as [string, string];
      const id = `${cacheName}\u0000${tenant}`;
      if (!byTenant.has(id)) byTenant.set(id, { cache: cacheName, tenant, indexes: [], vectors: [] });
      const entry = byTenant.get(id)!;
      const { tail } = parsed;
      if (tail === 'stats') entry.stats = key;
      else if (tail === 'scopes') entry.scopes = key;
      else if (tail.startsWith('index:')) entry.indexes.push(key);
      else if (tail.startsWith('vectors:')) entry.vectors.push(key);
    }
    const found = await Promise.all([...byTenant.values()].map((keysOf) => this.read(keysOf, now)));
    found.sort((a, b) => a.cache.localeCompare(b.cache) || a.tenant.localeCompare(b.tenant));
    // Vector sets found: Vector Sets are in use; else the backend's choice (RediSearch keeps vectors in the entries).
    const inUse = found.some((tenant) => tenant.semanticVectors !== undefined)
      ? 'vector-sets'
      : available.backend;
    return {
      found,
      undecodable,
      truncated,
      vectorBackend: {
        inUse,
        supported: available.backend,
        ...(available.reason ? { reason: available.reason } : {}),
      },
    };
  }

  private async read(keysOf: TenantKeys, now: number): Promise<SemanticCacheTenantState> {
    const read = (args: string[], key: string) => this.connection.sendCommand(args, { key, readonly: true });
    // Index zsets score each entry id by its expiry: the live ones score above now.
    const [exact, vectors, scopes, stats] = await Promise.all([
      Promise.all(keysOf.indexes.map((key) => read(['ZCOUNT', key, `(${now}`, '+inf'], key))),
      Promise.all(keysOf.vectors.map((key) => read(['VCARD', key], key))),
      keysOf.scopes ? read(['HLEN', keysOf.scopes], keysOf.scopes) : 0,
      keysOf.stats ? read(['HGETALL', keysOf.stats], keysOf.stats).then(hashReplyToRecord) : {},
    ]);
    const number = (field: string) => Number((stats as Record<string, string>)[field] ?? 0);
    const sum = (counts: unknown[]) => counts.reduce<number>((total, count) => total + Number(count), 0);
    return {
      cache: keysOf.cache,
      tenant: keysOf.tenant,
      exactEntries: sum(exact),
      ...(keysOf.vectors.length > 0 ? { semanticVectors: sum(vectors) } : {}),
      scopes: Number(scopes),
      stats: {
        lookups: number('lookups'),
        exactHits: number('exactHits'),
        semanticHits: number('semanticHits'),
        misses: number('lookups') - number('exactHits') - number('semanticHits'),
        stores: number('stores'),
        tokensSaved: number('tokensSaved'),
        costSavedUsd: number('costSavedUsd'),
        ...rejectionCounters(stats as Record<string, string>),
      },
    };
  }
}
