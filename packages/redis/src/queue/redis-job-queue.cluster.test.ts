import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { spawnNodeWorker } from '@tristack/testing/fleet';
import { describeJobQueue } from '@tristack/testing/conformance';
import { useRedisCluster } from '@tristack/testing/redis';
import { describe, expect, it } from 'vitest';
import { RedisJobQueue } from './redis-job-queue.js';

const redis = useRedisCluster();
const FIXTURE = fileURLToPath(new URL('./queue-worker.fixture.ts', import.meta.url));

describeJobQueue('RedisJobQueue on a 3-master Redis Cluster', () => {
  const prefix = redis.prefix;
  return { create: () => new RedisJobQueue({ client: redis.cluster, prefix }) };
});

describe('RedisJobQueue on a Redis Cluster', () => {
  it('keeps each queue name in one slot and spreads names over the masters', async () => {
    const queue = new RedisJobQueue({ client: redis.cluster, prefix: redis.prefix });
    const names = Array.from({ length: 9 }, (_, index) => `tools-${index}`);
    try {
      for (const name of names)
        await queue.process(name, (job) => `${name}:${job.payload}`, { concurrency: 4 });
      const ids = await Promise.all(
        names.flatMap((name) =>
          Array.from({ length: 5 }, (_, index) => queue.enqueue(name, index, { tenantId: 't' })),
        ),
      );
      const outcomes = await Promise.all(ids.map((jobId) => queue.result(jobId)));
      expect(outcomes.every((outcome) => outcome.status === 'completed')).toBe(true);
      const masters = new Set<string>();
      for (const name of names) {
        const slots = new Set<number>();
        for (const master of redis.cluster.masters) {
          const node = await redis.cluster.nodeClient(master);
          for await (const keys of node.scanIterator({
            MATCH: `${redis.prefix}:queue:{${name}}*`,
            COUNT: 1000,
          })) {
            for (const key of keys) {
              slots.add(Number(await node.sendCommand(['CLUSTER', 'KEYSLOT', key])));
              masters.add(`${master.host}:${master.port}`);
            }
          }
        }
        expect(slots.size).toBe(1);
      }
      expect(masters.size).toBeGreaterThan(1);
    } finally {
      await queue.close();
    }
  });

  it("reclaims a killed worker process's job and retries it elsewhere", async () => {
    const name = 'reclaim';
    const queue = new RedisJobQueue({ client: redis.cluster, prefix: redis.prefix });
    const child = spawnNodeWorker(FIXTURE, [
      JSON.stringify({
        urls: redis.urls,
        cluster: true,
        prefix: redis.prefix,
        name,
        concurrency: 1,
        leaseMs: 400,
      }),
    ]);
    try {
      const jobId = await queue.enqueue(name, { kind: 'hang' }, { backoff: { delayMs: 0 } });
      await child.waitForLine('ready', 60_000);
      while ((await queue.getJob(jobId))?.state !== 'active') await sleep(20);
      await child.kill('SIGKILL');
      await queue.process(name, (job) => job.attempt, { leaseMs: 400 });
      expect(await queue.result(jobId, { timeoutMs: 10_000 })).toMatchObject({
        status: 'completed',
        value: 2,
        attempts: 2,
      });
    } finally {
      await child.kill();
      await queue.close();
    }
  }, 60_000);
});
