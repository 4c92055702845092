import { describeBroadcast, untilPasses } from '@tristack/testing/conformance';
import { useRedisCluster } from '@tristack/testing/redis';
import { createCluster } from 'redis';
import { describe, expect, it } from 'vitest';
import { RedisBroadcast } from './redis-broadcast.js';

const redis = useRedisCluster();

describeBroadcast('RedisBroadcast on Redis Cluster', () => ({
  create: (options) => new RedisBroadcast({ client: redis.cluster, prefix: redis.prefix, ...options }),
}));

describe('RedisBroadcast on Redis Cluster', () => {
  it('reaches subscribers connected through other nodes: PUBLISH travels the cluster bus', async () => {
    const publisher = new RedisBroadcast({ client: redis.cluster, prefix: redis.prefix });
    // Separate cluster clients, like separate processes; their subscriber connections land on random nodes.
    const clusters = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const cluster = createCluster({ rootNodes: redis.urls.map((url) => ({ url })) });
        cluster.on('error', () => {});
        await cluster.connect();
        return cluster;
      }),
    );
    const subscribers = clusters.map(
      (cluster) => new RedisBroadcast({ client: cluster, prefix: redis.prefix }),
    );
    try {
      const inboxes = await Promise.all(
        subscribers.map(async (subscriber) => {
          const inbox: string[] = [];
          await subscriber.subscribe('cluster-wide', (message) => {
            inbox.push(message.message);
          });
          return inbox;
        }),
      );
      // Channel names hash to different slots; every message still reaches everyone.
      for (let index = 0; index < 20; index++) await publisher.publish('cluster-wide', `m${index}`);
      const expected = Array.from({ length: 20 }, (_, index) => `m${index}`);
      await untilPasses(() => {
        for (const inbox of inboxes) expect(inbox).toEqual(expected);
      });
    } finally {
      await Promise.all(subscribers.map((subscriber) => subscriber.close()));
      await publisher.close();
      await Promise.all(clusters.map((cluster) => cluster.close()));
    }
  });
});
