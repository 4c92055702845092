import { setTimeout as sleep } from 'node:timers/promises';
import { InMemoryStore } from '@langchain/langgraph-checkpoint';
import { recordingConnection, useRedis } from '@tristack/testing/redis';
import { describe, expect, it } from 'vitest';
import { RedisStore } from './redis-store.js';

const redis = useRedis();
const strip = (items: unknown) =>
  JSON.parse(JSON.stringify(items, (key, value) => (key.endsWith('At') ? undefined : value)));

describe('RedisStore', () => {
  it('runs a batch of mixed operations in one round trip; reads see the state before the batch', async () => {
    const connection = recordingConnection(redis.client);
    const store = new RedisStore({ client: connection });
    await store.put(['users', 'u1'], 'prefs', { theme: 'dark' });
    connection.clear();
    const results = await store.batch([
      { namespace: ['users', 'u1'], key: 'prefs' },
      { namespace: ['users', 'u1'], key: 'prefs', value: { theme: 'light' } },
      { namespacePrefix: ['users'], limit: 10, offset: 0 },
      { namespace: ['users', 'u2'], key: 'prefs', value: { theme: 'blue' } },
      { matchConditions: [], limit: 100, offset: 0 },
    ]);
    expect(connection.names()).toEqual(['EVALSHA']);
    expect((results[0] as unknown as { value: unknown }).value).toEqual({ theme: 'dark' });
    expect((results[2] as unknown as unknown[]).length).toBe(1);
    expect(results[4]).toEqual([['users', 'u1']]);
    expect((await store.get(['users', 'u1'], 'prefs'))?.value).toEqual({ theme: 'light' });
  });

  it('behaves like InMemoryStore for get/search/filter/listNamespaces/delete (differential oracle)', async () => {
    const stores = [new InMemoryStore(), new RedisStore({ client: redis.client })];
    const outputs = [];
    for (const store of stores) {
      await store.put(['docs', 'a'], 'k1', { kind: 'note', score: 1 });
      await store.put(['docs', 'a'], 'k2', { kind: 'todo', score: 5 });
      await store.put(['docs', 'ab'], 'k3', { kind: 'note', score: 9 });
      await store.put(['other'], 'k4', { kind: 'note', score: 3 });
      await store.delete(['docs', 'a'], 'k2');
      outputs.push({
        get: strip(await store.get(['docs', 'a'], 'k1')),
        missing: await store.get(['docs', 'a'], 'k2'),
        prefix: strip(await store.search(['docs', 'a']))
          .map((item: { key: string }) => item.key)
          .sort(),
        filtered: strip(await store.search(['docs'], { filter: { kind: 'note', score: { $gte: 5 } } })),
        namespaces: await store.listNamespaces({ prefix: ['docs'] }),
        depth: await store.listNamespaces({ maxDepth: 1 }),
      });
    }
    expect(outputs[1]).toEqual(outputs[0]);
    expect(outputs[1]!.prefix).toEqual(['k1']);
  });

  it('keeps namespaces and store names apart, and expires items after ttlMs', async () => {
    const first = new RedisStore({ client: redis.client, name: 'one' });
    const second = new RedisStore({ client: redis.client, name: 'two' });
    await first.put(['n'], 'k', { v: 1 });
    expect(await second.get(['n'], 'k')).toBeNull();
    expect(await first.get(['n', 'k'], 'k')).toBeNull();
    const short = new RedisStore({ client: redis.client, name: 'ttl', ttlMs: 50 });
    await short.put(['n'], 'k', { v: 1 });
    expect((await short.get(['n'], 'k'))?.value).toEqual({ v: 1 });
    await sleep(120);
    expect(await short.get(['n'], 'k')).toBeNull();
    expect(await short.search(['n'])).toEqual([]);
  });
});
