import { fileURLToPath } from 'node:url';
import { spawnNodeWorker, type NodeWorker } from '@tristack/testing/fleet';
import { describe, expect, it } from 'vitest';
import { redisWorkerEnvironment } from '../drivers.fixture.js';
import { useRedis } from '@tristack/testing/redis';

const WORKER = fileURLToPath(new URL('./lease-worker.fixture.ts', import.meta.url));

describe('withConversationLease across two Node processes (Redis lease)', () => {
  const redis = useRedis();
  const start = (thread: string) =>
    spawnNodeWorker(WORKER, [], { env: { ...redisWorkerEnvironment(redis), FLEET_THREAD: thread } });
  const log = () => redis.client.lRange(`${redis.prefix}:lease-log`, 0, -1);

  async function withWorkers(thread: string, body: (a: NodeWorker, b: NodeWorker) => Promise<void>) {
    const workers = [start(thread), start(thread)];
    try {
      await Promise.all(workers.map((worker) => worker.waitForLine('ready', 60_000)));
      await body(workers[0]!, workers[1]!);
    } finally {
      await Promise.all(workers.map((worker) => worker.kill()));
    }
  }

  it(
    'wait: the second process runs the thread only after the first finished, with a higher token',
    { timeout: 90_000 },
    async () => {
      await withWorkers('fleet-wait', async (a, b) => {
        a.send('go wait');
        const first = Number((await a.waitForLine(/^started /)).split(' ')[1]);
        b.send('go wait');
        // While A holds the thread, B is waiting for the lease: its node has not started.
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(b.lines.some((line) => line.startsWith('started'))).toBe(false);
        a.send('release');
        await a.waitForLine(/^done /);
        const second = Number((await b.waitForLine(/^started /, 20_000)).split(' ')[1]);
        expect(second).toBeGreaterThan(first);
        b.send('release');
        await b.waitForLine(/^done /);
        expect(await log()).toEqual([`start ${first}`, `end ${first}`, `start ${second}`, `end ${second}`]);
      });
    },
  );

  it(
    'reject: the second process is refused while the first runs the thread',
    { timeout: 90_000 },
    async () => {
      await withWorkers('fleet-reject', async (a, b) => {
        a.send('go reject');
        const first = Number((await a.waitForLine(/^started /)).split(' ')[1]);
        b.send('go reject');
        await b.waitForLine('busy', 20_000);
        a.send('release');
        await a.waitForLine(/^done /);
        expect(await log()).toEqual([`start ${first}`, `end ${first}`]);
      });
    },
  );
});
