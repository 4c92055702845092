import { InvalidInputError } from '@tristack/core';
import { snapshotKeys, useRedis } from '@tristack/testing/redis';
import { describe, expect, it } from 'vitest';
import { MAX_NODE_CACHE_TTL_SECONDS, RedisNodeCache } from './redis-node-cache.js';

const redis = useRedis();

describe('RedisNodeCache.set validates the whole batch before the first command', () => {
  it.each([Number.NaN, Infinity, -Infinity, -1, 1e308, MAX_NODE_CACHE_TTL_SECONDS + 1])(
    'rejects [ttl 60, ttl %s] with a typed error and writes neither entry',
    async (ttl) => {
      const cache = new RedisNodeCache({ client: redis.client });
      await cache.set([{ key: [['ns'], 'existing'], value: 'kept', ttl: 60 }]);
      const before = await snapshotKeys(redis.client);
      const error = await cache
        .set([
          { key: [['ns'], 'first'], value: 'a', ttl: 60 },
          { key: [['ns'], 'second'], value: 'b', ttl },
        ])
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect(await snapshotKeys(redis.client)).toEqual(before);
    },
  );

  it('rejects a malformed key anywhere in the batch, writing nothing', async () => {
    const cache = new RedisNodeCache({ client: redis.client });
    const before = await snapshotKeys(redis.client);
    const error = await cache
      .set([
        { key: [['ns'], 'first'], value: 'a', ttl: 60 },
        { key: [['ns'], 42 as unknown as string], value: 'b' },
      ])
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(await snapshotKeys(redis.client)).toEqual(before);
  });

  it('still takes fractional, zero and absent TTLs', async () => {
    const cache = new RedisNodeCache({ client: redis.client });
    await cache.set([
      { key: [['ns'], 'a'], value: 1, ttl: 0.5 },
      { key: [['ns'], 'b'], value: 2, ttl: 0 },
      { key: [['ns'], 'c'], value: 3 },
    ]);
    expect(
      (
        await cache.get([
          [['ns'], 'a'],
          [['ns'], 'c'],
        ])
      ).map((hit) => hit.value),
    ).toEqual([1, 3]);
  });
});
