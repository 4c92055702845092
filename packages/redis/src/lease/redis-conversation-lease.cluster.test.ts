import { setTimeout as sleep } from 'node:timers/promises';
import { describeConversationLease } from '@tristack/testing/conformance';
import { useRedisCluster } from '@tristack/testing/redis';
import { describe, expect, it } from 'vitest';
import { RedisConversationLease } from './redis-conversation-lease.js';

const redis = useRedisCluster();
const block = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

describeConversationLease('RedisConversationLease on a 3-master cluster', () => ({
  create: (options) =>
    new RedisConversationLease({ ...options, client: redis.cluster, prefix: redis.prefix }),
  wait: sleep,
  stall: block,
}));

describe('RedisConversationLease on a cluster', () => {
  it('runs leases on resources that hash to every master', async () => {
    const leases = new RedisConversationLease({ client: redis.cluster, prefix: redis.prefix });
    const held = await Promise.all(
      Array.from({ length: 30 }, (_, index) => leases.acquire(`thread-${index}`)),
    );
    for (const lease of held) await leases.assertFence(lease.resource, lease.fencingToken);
    const slots = new Set(
      await Promise.all(
        held.map(async (lease) =>
          Number(
            await redis.cluster.sendCommand(undefined, true, [
              'CLUSTER',
              'KEYSLOT',
              `${redis.prefix}:lease:{${lease.resource}}`,
            ]),
          ),
        ),
      ),
    );
    expect(slots.size).toBeGreaterThan(3);
    for (const lease of held) expect(await leases.release(lease)).toBe(true);
  });
});
