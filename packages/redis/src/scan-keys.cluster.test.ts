import { useRedisCluster } from '@tristack/testing/redis';
import { describe, expect, it } from 'vitest';
import { toRedisConnection } from './connection.js';
import { redisKey } from './keys.js';
import { scanKeys } from './scan-keys.js';

const redis = useRedisCluster();

describe('scanKeys on a cluster', () => {
  it('visits every master, given the cluster or a connection adapted from it', async () => {
    // Distinct hash tags: the keys spread over the masters.
    const keys = Array.from({ length: 12 }, (_, index) => redisKey(redis.prefix, 'lease', `r${index}`));
    for (const key of keys) await redis.cluster.set(key, '1');
    const pattern = `${redis.prefix}:lease:*`;
    for (const client of [redis.cluster, toRedisConnection(redis.cluster)])
      expect((await scanKeys(client, pattern)).keys).toEqual([...keys].sort());
  });
});
