import { setTimeout as sleep } from 'node:timers/promises';
import { describeTokenStream, readTokenStreamToEnd } from '@tristack/testing/conformance';
import { useRedisCluster } from '@tristack/testing/redis';
import { describe, expect, it } from 'vitest';
import { RedisTokenStream } from './redis-token-stream.js';

const redis = useRedisCluster();

describeTokenStream('RedisTokenStream on Redis Cluster', () => ({
  create: (options) => new RedisTokenStream({ client: redis.cluster, prefix: redis.prefix, ...options }),
}));

describe('RedisTokenStream on Redis Cluster', () => {
  it('spreads streams over the masters; each one reads back whole, blocking on its own node', async () => {
    const tokens = new RedisTokenStream({ client: redis.cluster, prefix: redis.prefix, blockMs: 100 });
    const streamIds = Array.from({ length: 9 }, (_, index) => `answer:${index}`);
    const nodes = new Set<string>();
    const readers = streamIds.map((streamId) => readTokenStreamToEnd(tokens, streamId));
    await sleep(0);
    for (const streamId of streamIds) {
      const writer = await tokens.open(streamId, { coalesceMs: 1 });
      for (let index = 0; index < 50; index++) await writer.write(`${streamId}/${index} `);
      await writer.end();
      const key = tokens.keys(streamId).entries;
      const slot = Number(await redis.cluster.sendCommand(key, true, ['CLUSTER', 'KEYSLOT', key]));
      const master = redis.cluster.getSlotMaster(slot);
      nodes.add(`${master.host}:${master.port}`);
    }
    expect(nodes.size).toBeGreaterThan(1);
    const fresh = await Promise.all(streamIds.map((streamId) => readTokenStreamToEnd(tokens, streamId)));
    for (const [index, streamId] of streamIds.entries()) {
      const expected = Array.from({ length: 50 }, (_, chunk) => `${streamId}/${chunk} `);
      expect(fresh[index]!.entries.map((entry) => entry.chunk)).toEqual(expected);
    }
    // Readers that started before the streams existed got NotFound: open is what creates a stream.
    for (const { error } of await Promise.all(readers)) expect(error).toMatchObject({ code: 'NOT_FOUND' });
  });
});
