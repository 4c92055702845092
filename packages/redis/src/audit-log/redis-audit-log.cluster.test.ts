import { setTimeout as sleep } from 'node:timers/promises';
import { describeAuditLog } from '@tristack/testing/conformance';
import { useRedisCluster } from '@tristack/testing/redis';
import { describe, expect, it } from 'vitest';
import { RedisAuditLog } from './redis-audit-log.js';

const redis = useRedisCluster();

describeAuditLog('RedisAuditLog on Redis Cluster', () => ({
  create: (options) => new RedisAuditLog({ ...options, client: redis.cluster, prefix: redis.prefix }),
  wait: sleep,
}));

describe('RedisAuditLog on Redis Cluster', () => {
  it('spreads tenants over the masters; each tenant’s chain, indexes and tail work on its node', async () => {
    const log = new RedisAuditLog({ client: redis.cluster, prefix: redis.prefix });
    const tenants = Array.from({ length: 12 }, (_, index) => `tenant-${index}`);
    for (const tenantId of tenants) {
      for (let index = 0; index < 5; index += 1) {
        await log.record({
          type: 'cache.hit',
          tenantId,
          userId: `u${index % 2}`,
          runId: 'r',
          data: { key: `${index}` },
        });
      }
    }
    const slots = new Set(
      await Promise.all(
        tenants.map(async (tenantId) =>
          Number(
            await redis.cluster.sendCommand(undefined, true, ['CLUSTER', 'KEYSLOT', log.keys(tenantId).log]),
          ),
        ),
      ),
    );
    expect(slots.size).toBeGreaterThan(1);
    const nodes = new Set([...slots].map((slot) => redis.cluster.getSlotMaster(slot).port));
    expect(nodes.size).toBeGreaterThan(1);
    for (const tenantId of tenants) {
      expect(await log.verify(tenantId)).toMatchObject({ valid: true, checked: 5 });
      expect(
        (await log.query({ tenantId, userId: 'u1', runId: 'r' })).events.map((event) => event.data['key']),
      ).toEqual(['1', '3']);
    }
    const controller = new AbortController();
    const tail = (async () => {
      for await (const event of log.follow(
        { tenantId: 'tenant-7', runId: 'r' },
        { signal: controller.signal, blockMs: 200 },
      )) {
        controller.abort();
        return event.data['key'];
      }
      return undefined;
    })();
    await sleep(100);
    await log.record({ type: 'cache.hit', tenantId: 'tenant-7', runId: 'r', data: { key: 'live' } });
    expect(await tail).toBe('live');
  });
});
