import { setTimeout as sleep } from 'node:timers/promises';
import { useRedisCluster } from '@tristack/testing/redis';
import { describe, expect, it } from 'vitest';
import { RedisNodeCache } from './redis-node-cache.js';

// A cache is one hash tag (its name): MGET, the set script and the clear script each hit one slot.
const redis = useRedisCluster();

async function keysOnMasters(start: string): Promise<string[][]> {
  const perMaster: string[][] = [];
  for (const master of redis.cluster.masters) {
    const node = await redis.cluster.nodeClient(master);
    const found: string[] = [];
    for await (const keys of node.scanIterator({ MATCH: `${start}*`, COUNT: 1000 })) found.push(...keys);
    perMaster.push(found);
  }
  return perMaster;
}

describe('RedisNodeCache on a 3-master cluster', () => {
  it('sets and gets in batches, expires by ttl, and clears one namespace through its index', async () => {
    const caches = ['alpha', 'beta', 'gamma', 'delta'].map(
      (name) => new RedisNodeCache({ client: redis.cluster, prefix: redis.prefix, name }),
    );
    for (const [index, cache] of caches.entries())
      await cache.set([
        { key: [['node', 'a'], 'x'], value: { index, node: 'a' } },
        { key: [['node', 'b'], 'y'], value: { index, node: 'b' } },
        { key: [['node', 'b'], 'short'], value: 'gone soon', ttl: 0.05 },
        { key: [['node', 'b'], 'long'], value: 'kept', ttl: 60 },
      ]);
    expect((await keysOnMasters(`${redis.prefix}:`)).filter((keys) => keys.length).length).toBeGreaterThan(1);

    for (const [index, cache] of caches.entries()) {
      const hits = await cache.get([
        [['node', 'a'], 'x'],
        [['node', 'b'], 'y'],
        [['node', 'b'], 'long'],
        [['node', 'c'], 'missing'],
      ]);
      expect(hits.map((hit) => hit.value)).toEqual([{ index, node: 'a' }, { index, node: 'b' }, 'kept']);
    }
    const [longKey] = (await keysOnMasters(`${redis.prefix}:langgraph-cache:{alpha}:e:`))
      .flat()
      .filter((key) => key.endsWith(':long'));
    expect(await redis.cluster.pTTL(longKey!)).toBeGreaterThan(50_000);
    await sleep(120);
    expect(await caches[0]!.get([[['node', 'b'], 'short']])).toEqual([]);

    await caches[0]!.clear([['node', 'a']]);
    expect(await caches[0]!.get([[['node', 'a'], 'x']])).toEqual([]);
    expect((await caches[0]!.get([[['node', 'b'], 'y']])).length).toBe(1);
    expect((await caches[1]!.get([[['node', 'a'], 'x']])).length).toBe(1);

    await caches[1]!.clear([]);
    expect(await caches[1]!.get([[['node', 'a'], 'x']])).toEqual([]);
    expect((await caches[2]!.get([[['node', 'a'], 'x']])).length).toBe(1);
    // Clearing everything leaves no key of that cache behind.
    const left = (await keysOnMasters(`${redis.prefix}:langgraph-cache:{beta}`)).flat();
    expect(left).toEqual([]);
  });
});
