import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { describeCircuitBreaker } from '@tristack/testing/conformance';
import { useRedisCluster } from '@tristack/testing/redis';
import { RedisCircuitBreaker } from './redis-circuit-breaker.js';

const redis = useRedisCluster();

describeCircuitBreaker('RedisCircuitBreaker on Redis Cluster', () => ({
  create: async (options) => {
    // A generous timeout: on a loaded test machine a slow reply must not switch to the local fallback.
    const breaker = new RedisCircuitBreaker({
      backendTimeoutMs: 5_000,
      ...options,
      client: redis.cluster,
      prefix: redis.prefix,
    });
    await breaker.subscribed();
    return breaker;
  },
  wait: (ms) => sleep(ms),
}));

describe('RedisCircuitBreaker on Redis Cluster', () => {
  it('spreads breakers over the masters and announces trips on every node to every instance', async () => {
    const policy = {
      failureRateThreshold: null,
      consecutiveFailures: 1,
      openMs: 60_000,
      prefix: redis.prefix,
      backendTimeoutMs: 5_000,
    };
    const tripper = new RedisCircuitBreaker({ ...policy, client: redis.cluster });
    const observer = new RedisCircuitBreaker({ ...policy, client: redis.cluster, maxStalenessMs: 60_000 });
    try {
      expect(await observer.subscribed()).toBe(true);
      const names = Array.from({ length: 12 }, (_, index) => `provider:${index}`);
      for (const name of names) expect(await observer.acquire(name)).toMatchObject({ admitted: true });
      const nodes = new Set<string>();
      for (const name of names) {
        const admission = await tripper.acquire(name);
        if (admission.admitted) await tripper.record(admission.permit, { status: 'failure' });
        const key = `${redis.prefix}:circuit-breaker:{${name.replace(':', '%3A')}}:state`;
        expect(await redis.cluster.exists(key)).toBe(1);
        const slot = Number(await redis.cluster.sendCommand(key, true, ['CLUSTER', 'KEYSLOT', key]));
        const master = redis.cluster.getSlotMaster(slot);
        nodes.add(`${master.host}:${master.port}`);
      }
      expect(nodes.size).toBeGreaterThan(1);
      // The observer's snapshots never go stale here: only the notices can tell it.
      const deadline = Date.now() + 3_000;
      for (const name of names) {
        let admission = await observer.acquire(name);
        while (admission.admitted && Date.now() < deadline) {
          await sleep(10);
          admission = await observer.acquire(name);
        }
        expect(admission).toMatchObject({ admitted: false, reason: 'open' });
      }
    } finally {
      await Promise.all([tripper.close(), observer.close()]);
    }
  });
});
