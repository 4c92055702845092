import { setTimeout as sleep } from 'node:timers/promises';
import { describeSemanticCache, semanticCacheRequest as ask } from '@tristack/testing/conformance';
import { useRedisCluster } from '@tristack/testing/redis';
import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import { RedisSemanticCache } from './redis-semantic-cache.js';

const redis = useRedisCluster();

/** Whether the cluster's servers have Vector Sets (the harness builds it from the default server). */
async function clusterHasVectorSets(): Promise<boolean> {
  const client = createClient({ url: redis.urls[0] });
  client.on('error', () => {});
  await client.connect();
  try {
    const reply = (await client.sendCommand(['COMMAND', 'INFO', 'VSIM'])) as unknown[];
    return reply[0] !== null && reply[0] !== undefined;
  } finally {
    await client.close();
  }
}
const vectorSets = await clusterHasVectorSets();

describeSemanticCache(
  'RedisSemanticCache on a 3-master cluster',
  () => ({
    create: (options) =>
      RedisSemanticCache.create({ ...options, client: redis.cluster, prefix: redis.prefix }),
    wait: sleep,
  }),
  { semanticTier: vectorSets || 'the cluster servers have no Vector Sets (exact tier only)' },
);

describe('RedisSemanticCache on a cluster', () => {
  it('detects the backend on a cluster and serves tenants that hash to every master', async () => {
    const cache = await RedisSemanticCache.create({ client: redis.cluster, prefix: redis.prefix });
    expect(cache.semanticTier.available).toBe(cache.semanticTier.backend !== 'none');
    const tenants = Array.from({ length: 30 }, (_, index) => `tenant-${index}`);
    await Promise.all(
      tenants.map((tenant) =>
        cache.store(ask('How do I reset my password?', { tenant }), { content: tenant }),
      ),
    );
    const results = await Promise.all(
      tenants.map((tenant) => cache.lookup(ask('How do I reset my password?', { tenant }))),
    );
    expect(results.map((result) => result.hit && result.response.content)).toEqual(tenants);
    const slots = new Set(
      await Promise.all(
        tenants.map(async (tenant) =>
          Number(
            await redis.cluster.sendCommand(undefined, true, [
              'CLUSTER',
              'KEYSLOT',
              `${redis.prefix}:semantic-cache:{default:${tenant}}:stats`,
            ]),
          ),
        ),
      ),
    );
    expect(slots.size).toBeGreaterThan(3);
    const removed = await Promise.all(tenants.map((tenant) => cache.invalidate({ tenant })));
    expect(removed.every(({ removed: count }) => count === 1)).toBe(true);
    expect(await cache.stats({ tenant: 'tenant-7' })).toMatchObject({ lookups: 1, exactHits: 1, stores: 1 });
  });
});
