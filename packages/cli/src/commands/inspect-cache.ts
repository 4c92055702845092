import { detectVectorBackend } from '@tristack/redis/semantic-cache';
import { hashReplyToRecord, toRedisConnection } from '@tristack/redis';
import { type CliCommand, tableFor } from '../command.js';
import { globEscape, hashTagIds, scanForContext, scanLimitOption, serverTime } from '../redis-reads.js';

export interface CacheTenantState {
  cache: string;
  tenant: string;
  /** Live entries of the exact tier (every entry is one). */
  exactEntries: number;
  /** Vectors of the semantic tier (Vector Sets); undefined when the vectors are not in vector sets. */
  semanticVectors?: number;
  scopes: number;
  stats: {
    lookups: number;
    exactHits: number;
    semanticHits: number;
    misses: number;
    stores: number;
    tokensSaved: number;
    costSavedUsd: number;
  };
}

interface TenantKeys {
  cache: string;
  tenant: string;
  stats?: string;
  scopes?: string;
  indexes: string[];
  vectors: string[];
}

export const inspectCacheCommand: CliCommand = {
  path: ['inspect', 'cache'],
  usage: '',
  summary:
    'semantic caches per cache name and tenant: entries per tier, lookups, exact and semantic hits, tokens saved, vector backend',
  options: { ...scanLimitOption },
  async run(context) {
    const client = await context.redis();
    const connection = toRedisConnection(client);
    // Keys `<prefix>:semantic-cache:{<name>:<tenant>}:<stats|scopes|index:…|vectors:…>`; the `[isv]`
    // leaves the (many) `entry:` hashes out of the scan's matches.
    const [{ keys, truncated }, now, available] = await Promise.all([
      scanForContext(context, `${globEscape(context.prefix)}:semantic-cache:{*}:[isv]*`),
      serverTime(connection),
      detectVectorBackend(connection, 'auto'),
    ]);
    const byTenant = new Map<string, TenantKeys>();
    for (const key of keys) {
      const ids = hashTagIds(key);
      if (ids?.length !== 2) continue;
      const tail = key.slice(key.indexOf('}:') + 2);
      const id = `${ids[0]}\u0000${ids[1]}`;
      if (!byTenant.has(id)) byTenant.set(id, { cache: ids[0]!, tenant: ids[1]!, indexes: [], vectors: [] });
      const entry = byTenant.get(id)!;
      if (tail === 'stats') entry.stats = key;
      else if (tail === 'scopes') entry.scopes = key;
      else if (tail.startsWith('index:')) entry.indexes.push(key);
      else if (tail.startsWith('vectors:')) entry.vectors.push(key);
    }
    const read = (args: string[], key: string) => connection.sendCommand(args, { key, readonly: true });
    const tenants: CacheTenantState[] = await Promise.all(
      [...byTenant.values()].map(async (keysOf) => {
        // Index zsets score each entry id by its expiry: the live ones score above now.
        const [exact, vectors, scopes, stats] = await Promise.all([
          Promise.all(keysOf.indexes.map((key) => read(['ZCOUNT', key, `(${now}`, '+inf'], key))),
          Promise.all(keysOf.vectors.map((key) => read(['VCARD', key], key))),
          keysOf.scopes ? read(['HLEN', keysOf.scopes], keysOf.scopes) : 0,
          keysOf.stats ? read(['HGETALL', keysOf.stats], keysOf.stats).then(hashReplyToRecord) : {},
        ]);
        const number = (field: string) => Number((stats as Record<string, string>)[field] ?? 0);
        return {
          cache: keysOf.cache,
          tenant: keysOf.tenant,
          exactEntries: exact.reduce<number>((sum, count) => sum + Number(count), 0),
          ...(keysOf.vectors.length > 0
            ? { semanticVectors: vectors.reduce<number>((sum, count) => sum + Number(count), 0) }
            : {}),
          scopes: Number(scopes),
          stats: {
            lookups: number('lookups'),
            exactHits: number('exactHits'),
            semanticHits: number('semanticHits'),
            misses: number('lookups') - number('exactHits') - number('semanticHits'),
            stores: number('stores'),
            tokensSaved: number('tokensSaved'),
            costSavedUsd: number('costSavedUsd'),
          },
        };
      }),
    );
    tenants.sort((a, b) => a.cache.localeCompare(b.cache) || a.tenant.localeCompare(b.tenant));
    // In use: vector sets found → Vector Sets; else the server's choice (RediSearch keeps vectors in the entries).
    const inUse = tenants.some((tenant) => tenant.semanticVectors !== undefined)
      ? 'vector-sets'
      : available.backend;
    const vectorBackend = {
      inUse,
      serverSupports: available.backend,
      ...(available.reason ? { reason: available.reason } : {}),
    };
    if (context.json) {
      context.out(
        `${JSON.stringify({ checkedAt: now, vectorBackend, caches: tenants, truncated }, null, 2)}\n`,
      );
      return 0;
    }
    const { style } = context;
    context.out(
      `${style.bold('vector backend')} ${inUse}${inUse === available.backend ? '' : ` (server supports ${available.backend})`}\n`,
    );
    if (available.reason) context.out(style.dim(`  ${available.reason}\n`));
    if (tenants.length === 0) {
      context.out('no semantic cache state (nothing stored or looked up, or it expired)\n');
      return 0;
    }
    const rate = (hits: number, lookups: number) =>
      lookups === 0 ? '-' : `${((hits / lookups) * 100).toFixed(1)}%`;
    context.out(
      tableFor(
        context,
        [
          'CACHE',
          'TENANT',
          'ENTRIES',
          'VECTORS',
          'SCOPES',
          'LOOKUPS',
          'EXACT HITS',
          'SEMANTIC HITS',
          'MISSES',
          'HIT RATE',
          'TOKENS SAVED',
          'COST SAVED',
        ],
        tenants.map((tenant) => [
          tenant.cache,
          tenant.tenant,
          String(tenant.exactEntries),
          tenant.semanticVectors === undefined ? '-' : String(tenant.semanticVectors),
          String(tenant.scopes),
          String(tenant.stats.lookups),
          String(tenant.stats.exactHits),
          String(tenant.stats.semanticHits),
          String(tenant.stats.misses),
          rate(tenant.stats.exactHits + tenant.stats.semanticHits, tenant.stats.lookups),
          String(tenant.stats.tokensSaved),
          `$${tenant.stats.costSavedUsd.toFixed(4)}`,
        ]),
      ),
    );
    if (truncated) context.err('tristack: stopped at --scan-limit keys; the counts are partial\n');
    return 0;
  },
};
