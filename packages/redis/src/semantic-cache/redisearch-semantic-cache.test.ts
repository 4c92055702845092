import { setTimeout as sleep } from 'node:timers/promises';
import { describeSemanticCache, semanticCacheRequest as ask } from '@tristack/testing/conformance';
import { currentServer, uniqueId } from '@tristack/testing/redis';
import { createClient, type RedisClientType } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSearchReply } from './redisearch-vector-index.js';
import { RedisSemanticCache } from './redis-semantic-cache.js';

/**
 * The RediSearch backend needs a server with the search module (Redis Stack, Redis Cloud, a Redis 8
 * build with the query engine). The harness's servers have none, so this suite runs only when
 * REDIS_STACK_URL names one; it runs once (with the default project), under its own key prefix.
 */
const url = process.env.REDIS_STACK_URL;
const once = currentServer().kind === 'default';
if (!url && once)
  console.warn(
    '[tristack] NOT RUN: RedisSemanticCache on RediSearch (FT.CREATE … VECTOR, FT.SEARCH … KNN): no server with the ' +
      'search module is available here; set REDIS_STACK_URL (e.g. redis://localhost:6379 of redis/redis-stack-server) to run it',
  );

describe.runIf(Boolean(url) && once)('RedisSemanticCache on RediSearch (REDIS_STACK_URL)', () => {
  let client: RedisClientType;
  beforeAll(async () => {
    client = createClient({ url }) as RedisClientType;
    client.on('error', () => {});
    await client.connect();
  });
  afterAll(async () => {
    await client?.close();
  });

  /** Drops this prefix's indexes (with their documents) and deletes its other keys. */
  async function removePrefix(prefix: string): Promise<void> {
    const indexes = (await client.sendCommand(['FT._LIST'])) as string[];
    for (const index of indexes.filter((name) => String(name).startsWith(`${prefix}:`)))
      await client.sendCommand(['FT.DROPINDEX', String(index), 'DD']);
    for await (const keys of client.scanIterator({ MATCH: `${prefix}:*`, COUNT: 1000 }))
      if (keys.length) await client.del(keys);
  }

  describeSemanticCache(
    'RedisSemanticCache, vectorBackend redisearch',
    () => {
      const prefix = uniqueId('stack');
      return {
        create: (options) =>
          RedisSemanticCache.create({ ...options, client, prefix, vectorBackend: 'redisearch' }),
        wait: sleep,
        cleanup: () => removePrefix(prefix),
      };
    },
    { semanticTier: true },
  );

  it('creates one HNSW cosine index per cache and embedder, and finds entries with a scope prefilter', async () => {
    const prefix = uniqueId('stack');
    try {
      const cache = await RedisSemanticCache.create({ client, prefix, vectorBackend: 'redisearch' });
      expect(cache.semanticTier).toEqual({ available: true, backend: 'redisearch' });
      await RedisSemanticCache.create({ client, prefix, vectorBackend: 'redisearch' });
      const indexes = ((await client.sendCommand(['FT._LIST'])) as string[]).filter((name) =>
        name.startsWith(`${prefix}:`),
      );
      expect(indexes).toHaveLength(1);
      await cache.store(ask('How do I reset my password?'), { content: 'reset' });
      expect(await cache.lookup(ask('how can I reset my password'))).toMatchObject({
        hit: true,
        kind: 'semantic',
      });
    } finally {
      await removePrefix(prefix);
    }
  });
});

describe('RediSearch reply parsing', () => {
  it('reads RESP2 and RESP3 FT.SEARCH replies', () => {
    expect(parseSearchReply([2, 'k1', ['distance', '0.25'], 'k2', ['distance', '0.5']])).toEqual([
      { key: 'k1', cosine: 0.75 },
      { key: 'k2', cosine: 0.5 },
    ]);
    expect(
      parseSearchReply({
        total_results: 1,
        results: [{ id: 'k1', extra_attributes: { distance: '0.1' }, values: [] }],
      }),
    ).toEqual([{ key: 'k1', cosine: 0.9 }]);
    expect(
      parseSearchReply(
        new Map([
          [
            'results',
            [
              new Map<string, unknown>([
                ['id', 'k'],
                ['extra_attributes', new Map([['distance', '0']])],
              ]),
            ],
          ],
        ]),
      ),
    ).toEqual([{ key: 'k', cosine: 1 }]);
  });
});
