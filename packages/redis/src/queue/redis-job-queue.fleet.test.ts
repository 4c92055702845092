import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { JobJsonValue } from '@tristack/core';
import { spawnNodeWorker, type NodeWorker } from '@tristack/testing/fleet';
import { useRedis } from '@tristack/testing/redis';
import { describe, expect, it } from 'vitest';
import { RedisJobQueue } from './redis-job-queue.js';

const redis = useRedis();
const FIXTURE = fileURLToPath(new URL('./queue-worker.fixture.ts', import.meta.url));

function spawnWorker(name: string, options: { concurrency: number; leaseMs: number }): NodeWorker {
  return spawnNodeWorker(FIXTURE, [
    JSON.stringify({ urls: [redis.url], database: redis.database, prefix: redis.prefix, name, ...options }),
  ]);
}

async function until<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('RedisJobQueue with worker processes', () => {
  it('loses no job when workers are SIGKILLed at random moments and restarted; keyed side effects run once', async () => {
    const jobs = 10_000;
    const name = 'crash';
    const queue = new RedisJobQueue({ client: redis.client, prefix: redis.prefix });
    const workers: NodeWorker[] = [];
    const options = { concurrency: 32, leaseMs: 1000 };
    try {
      // Workers start while the jobs go in: their startup (loading TypeScript) overlaps the enqueue.
      for (let index = 0; index < 3; index++) workers.push(spawnWorker(name, options));
      const ids = new Set<string>();
      for (let start = 0; start < jobs; start += 1000) {
        const batch = await Promise.all(
          Array.from({ length: 1000 }, async (_, offset) => {
            const index = start + offset;
            const keyed = index % 2 === 0;
            const enqueue = () =>
              queue.enqueue(
                name,
                { kind: 'effect', sleepMs: 5 },
                {
                  maxAttempts: 20,
                  backoff: { delayMs: 10 },
                  ...(keyed ? { idempotencyKey: `effect-${index}` } : {}),
                },
              );
            // A producer retrying its enqueue with the same key gets the same job back.
            return index % 10 === 0 ? Promise.all([enqueue(), enqueue()]) : [await enqueue()];
          }),
        );
        for (const [id, repeat] of batch) {
          ids.add(id!);
          if (repeat !== undefined) expect(repeat).toBe(id);
        }
      }
      expect(ids.size).toBe(jobs);

      await Promise.all(workers.map((worker) => worker.waitForLine('ready', 60_000)));
      // Three kills, each when a random share of the jobs is done; the victim restarts at once.
      const killAt = Array.from({ length: 3 }, () => Math.floor(jobs * (0.1 + Math.random() * 0.7))).sort(
        (a, b) => a - b,
      );
      let kills = 0;
      await until(
        async () => {
          const stats = await queue.stats(name);
          // Victims are workers already taking jobs (a restarted one may still be loading).
          const busy = workers.flatMap((worker, index) => (worker.lines.includes('ready') ? [index] : []));
          if (kills < killAt.length && stats.completed >= killAt[kills]! && busy.length > 0) {
            const victim = busy[Math.floor(Math.random() * busy.length)]!;
            await workers[victim]!.kill('SIGKILL');
            workers[victim] = spawnWorker(name, options);
            kills++;
          }
          return stats.completed >= jobs && kills === killAt.length ? stats : undefined;
        },
        'every job to complete',
        100_000,
      );
      expect(await queue.stats(name)).toEqual({
        waiting: 0,
        active: 0,
        delayed: 0,
        failed: 0,
        dead: 0,
        completed: jobs,
      });
      const slot = `${redis.prefix}:queue:{${name}}`;
      const [effects, runs] = await redis.client.mGet([`${slot}:test:effects`, `${slot}:test:runs`]);
      // Killed workers had jobs in flight (effect done, outcome not yet recorded): those ran again…
      expect(Number(runs), `${runs} runs of ${jobs} jobs`).toBeGreaterThan(jobs);
      // …yet every keyed side effect happened exactly once.
      expect(Number(effects)).toBe(jobs / 2);
    } finally {
      await Promise.all(workers.map((worker) => worker.kill()));
      await queue.close();
    }
  }, 150_000);

  it("reclaims a killed worker's jobs after their lease: retries one, ends the one cancelled meanwhile", async () => {
    const name = 'reclaim';
    const queue = new RedisJobQueue({ client: redis.client, prefix: redis.prefix });
    const child = spawnWorker(name, { concurrency: 2, leaseMs: 400 });
    try {
      const retried = await queue.enqueue(name, { kind: 'hang' }, { backoff: { delayMs: 0 } });
      const cancelled = await queue.enqueue(name, { kind: 'hang' }, { backoff: { delayMs: 0 } });
      await child.waitForLine('ready', 60_000);
      await until(
        async () => ((await queue.stats(name)).active === 2 ? true : undefined),
        'both jobs to start',
      );
      await child.kill('SIGKILL');
      // Nobody is left to see this request; the reclaim honours it.
      expect(await queue.cancel(cancelled, 'no longer needed')).toBe('requested');
      await queue.process(name, (job) => ({ attempt: job.attempt }), { leaseMs: 400 });
      expect(await queue.result(retried, { timeoutMs: 10_000 })).toMatchObject({
        status: 'completed',
        value: { attempt: 2 },
        attempts: 2,
      });
      expect((await queue.getJob(retried))?.error).toMatch(/lease expired/);
      expect(await queue.result(cancelled, { timeoutMs: 10_000 })).toEqual({
        status: 'cancelled',
        jobId: cancelled,
        reason: 'no longer needed',
        attempts: 1,
      });
    } finally {
      await child.kill();
      await queue.close();
    }
  }, 60_000);

  it('hands results, progress and cancellation between processes', async () => {
    const name = 'remote';
    const queue = new RedisJobQueue({ client: redis.client, prefix: redis.prefix });
    const progress: JobJsonValue[] = [];
    const echoId = await queue.enqueue(name, { kind: 'echo', text: 'tool output' });
    const hangId = await queue.enqueue(name, { kind: 'hang' });
    await queue.onProgress(echoId, (event) => progress.push(event.data));
    const child = spawnWorker(name, { concurrency: 4, leaseMs: 5000 });
    try {
      const outcome = await queue.result(echoId, { timeoutMs: 60_000 });
      expect(outcome).toMatchObject({
        status: 'completed',
        value: { pid: child.process.pid, text: 'TOOL OUTPUT' },
      });
      expect(child.process.pid).not.toBe(process.pid);
      expect(progress).toEqual([{ pid: child.process.pid }]);
      await until(
        async () => ((await queue.getJob(hangId))?.state === 'active' ? true : undefined),
        'the job to start',
      );
      expect(await queue.cancel(hangId, 'stop from the agent')).toBe('requested');
      expect(await queue.result(hangId, { timeoutMs: 10_000 })).toEqual({
        status: 'cancelled',
        jobId: hangId,
        reason: 'stop from the agent',
        attempts: 1,
      });
      child.send('stop');
      expect(await child.exited()).toBe(0);
    } finally {
      await child.kill();
      await queue.close();
    }
  }, 90_000);
});
