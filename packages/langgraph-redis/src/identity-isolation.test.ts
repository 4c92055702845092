import { emptyCheckpoint, uuid6, type Checkpoint } from '@langchain/langgraph-checkpoint';
import { InvalidInputError } from '@tristack/core';
import { useRedis } from '@tristack/testing/redis';
import { describe, expect, it } from 'vitest';
import { RedisCheckpointSaver } from './checkpoint-saver/redis-checkpoint-saver.js';
import { RedisNodeCache } from './node-cache/redis-node-cache.js';
import { RedisStore } from './store/redis-store.js';

// Ids that met on one key under the old escaping ('%' + code point padded to 2 hex digits:
// U+2000 and ' 00' both gave '%2000'), or on U+FFFD (a lone surrogate), must stay apart.
const redis = useRedis();

function checkpoint(owner: string): Checkpoint {
  return { ...emptyCheckpoint(), id: uuid6(-3), channel_values: { owner }, channel_versions: { owner: 1 } };
}
const metadata = { source: 'loop' as const, step: 0, parents: {} };

describe('LangGraph adapters: identity isolation', () => {
  it('keeps the checkpoints of threads "t\\u2000" and "t 00" apart', async () => {
    const saver = new RedisCheckpointSaver({ client: redis.client });
    const threads = ['t\u2000', 't 00'];
    await saver.put(
      { configurable: { thread_id: threads[0], checkpoint_ns: '' } },
      checkpoint('first'),
      metadata,
      { owner: 1 },
    );
    expect(await saver.getTuple({ configurable: { thread_id: threads[1] } })).toBeUndefined();
    await saver.put(
      { configurable: { thread_id: threads[1], checkpoint_ns: '' } },
      checkpoint('second'),
      metadata,
      { owner: 1 },
    );
    for (const [index, owner] of ['first', 'second'].entries()) {
      const tuple = await saver.getTuple({ configurable: { thread_id: threads[index] } });
      expect(tuple?.checkpoint.channel_values).toEqual({ owner });
      const listed = [];
      for await (const each of saver.list({ configurable: { thread_id: threads[index] } })) listed.push(each);
      expect(listed.map((each) => each.checkpoint.channel_values)).toEqual([{ owner }]);
    }
    await saver.deleteThread(threads[0]!);
    expect(await saver.getTuple({ configurable: { thread_id: threads[0] } })).toBeUndefined();
    expect(
      (await saver.getTuple({ configurable: { thread_id: threads[1] } }))?.checkpoint.channel_values,
    ).toEqual({
      owner: 'second',
    });
  });

  it('rejects lone surrogates in thread ids and checkpoint namespaces with InvalidInputError', async () => {
    const saver = new RedisCheckpointSaver({ client: redis.client });
    await expect(saver.getTuple({ configurable: { thread_id: 't\uD800' } })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    await expect(
      saver.put(
        { configurable: { thread_id: 't', checkpoint_ns: 'ns\uDC00' } },
        checkpoint('x'),
        metadata,
        {},
      ),
    ).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('keeps store namespaces of formerly colliding users apart, and rejects lone surrogates', async () => {
    const store = new RedisStore({ client: redis.client });
    await store.put(['memories', 'alice\u2000'], 'profile', { owner: 'alice' });
    expect(await store.get(['memories', 'alice 00'], 'profile')).toBeNull();
    await expect(store.put(['memories', 'bob\uD800'], 'profile', { owner: 'bob' })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    await expect(store.get(['memories', 'bob'], 'k\uDC00')).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('keeps node-cache namespaces apart whatever their labels hold', async () => {
    const cache = new RedisNodeCache({ client: redis.client });
    // Joined by hand these met: ['a|b'] / ['a', 'b'] (the old '|' join) and '%' forms of each other.
    const namespaces = [['a|b'], ['a', 'b'], ['t\u2000'], ['t 00'], ['x*'], ['x%2A'], ['s\uFFFD']];
    // A lone surrogate would become U+FFFD on the wire: it is rejected, typed, before any write.
    await expect(cache.set([{ key: [['s\uD800'], 'k'], value: 0 }])).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    await expect(cache.get([[['s\uD800'], 'k']])).rejects.toBeInstanceOf(InvalidInputError);
    await cache.set(namespaces.map((namespace, index) => ({ key: [namespace, 'k'], value: index })));
    const hits = await cache.get(namespaces.map((namespace) => [namespace, 'k']));
    expect(hits.map((hit) => hit.value)).toEqual(namespaces.map((_, index) => index));
    await cache.clear([['a', 'b'], ['x*']]);
    const left = await cache.get(namespaces.map((namespace) => [namespace, 'k']));
    expect(left.map((hit) => hit.value)).toEqual([0, 2, 3, 5, 6]);
    await cache.clear([]);
    expect(await redis.client.dbSize()).toBe(0);
  });
});
