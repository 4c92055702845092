import { setTimeout as sleep } from 'node:timers/promises';
import { useRedisCluster } from '@tristack/testing/redis';
import { describe, expect, it } from 'vitest';
import { RedisStore } from './redis-store.js';

// A store is one hash tag (its name), so a whole batch is one script on one master.
const redis = useRedisCluster();

/** How many masters hold keys starting with `start` (this test's own keys only). */
async function mastersHolding(start: string): Promise<number> {
  let count = 0;
  for (const master of redis.cluster.masters) {
    const node = await redis.cluster.nodeClient(master);
    for await (const keys of node.scanIterator({ MATCH: `${start}*`, COUNT: 1000 }))
      if (keys.length) {
        count++;
        break;
      }
  }
  return count;
}

describe('RedisStore on a 3-master cluster', () => {
  it('runs a mixed batch atomically, keeps names and namespaces apart, and expires items', async () => {
    const stores = ['one', 'two', 'three', 'four'].map(
      (name) => new RedisStore({ client: redis.cluster, prefix: redis.prefix, name }),
    );
    for (const [index, store] of stores.entries()) {
      const results = await store.batch([
        { namespace: ['users', 'u1'], key: 'prefs', value: { theme: 'dark', index } },
        { namespace: ['users', 'u2'], key: 'prefs', value: { theme: 'light', index } },
        { namespace: ['users', 'u1'], key: 'prefs' },
        { namespacePrefix: ['users'], limit: 10, offset: 0 },
      ]);
      // Reads in a batch see the state before its writes.
      expect(results[2]).toBeNull();
      expect(results[3]).toEqual([]);
    }
    // The four store names land on more than one master, and each store sees only its own items.
    expect(await mastersHolding(`${redis.prefix}:`)).toBeGreaterThan(1);
    for (const [index, store] of stores.entries()) {
      expect((await store.get(['users', 'u1'], 'prefs'))?.value).toEqual({ theme: 'dark', index });
      const found = await store.search(['users'], { filter: { theme: 'light' } });
      expect(found.map((item) => [item.namespace, item.value.index])).toEqual([[['users', 'u2'], index]]);
      expect(await store.listNamespaces({ prefix: ['users'] })).toEqual([
        ['users', 'u1'],
        ['users', 'u2'],
      ]);
    }
    await stores[0]!.delete(['users', 'u1'], 'prefs');
    expect(await stores[0]!.get(['users', 'u1'], 'prefs')).toBeNull();
    expect(await stores[1]!.get(['users', 'u1'], 'prefs')).not.toBeNull();

    const short = new RedisStore({ client: redis.cluster, prefix: redis.prefix, name: 'ttl', ttlMs: 60 });
    await short.put(['n'], 'k', { v: 1 });
    expect((await short.get(['n'], 'k'))?.value).toEqual({ v: 1 });
    await sleep(150);
    expect(await short.get(['n'], 'k')).toBeNull();
    expect(await short.listNamespaces()).toEqual([]);
  });
});
