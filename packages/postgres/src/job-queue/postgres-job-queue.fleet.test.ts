import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { spawnNodeWorker, type NodeWorker } from '@tristack/testing/fleet';
import { requiresPostgres, usePostgres } from '@tristack/testing/postgres';
import { beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../migrate.js';
import { PostgresJobQueue } from './postgres-job-queue.js';

const FIXTURE = fileURLToPath(new URL('./queue-worker.fixture.ts', import.meta.url));

async function until<T>(
  check: () => Promise<T | undefined>,
  what: () => string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await sleep(20);
  }
}

describe.runIf(requiresPostgres('PostgresJobQueue fleet'))('PostgresJobQueue with worker processes', () => {
  const postgres = usePostgres();
  beforeAll(async () => {
    await migrate(postgres.pool, { primitives: ['job-queue'] });
    await postgres.pool.query('CREATE TABLE fleet_effects (key text PRIMARY KEY)');
    await postgres.pool.query('CREATE TABLE fleet_runs (job_id text NOT NULL)');
  });

  const spawnWorker = (name: string, options: { concurrency: number; leaseMs: number }): NodeWorker =>
    spawnNodeWorker(FIXTURE, [JSON.stringify({ url: postgres.url, name, ...options })]);

  it('loses no job when workers are SIGKILLed mid-job and restarted; keyed side effects run once', async () => {
    const jobs = 2000;
    const name = 'crash';
    const queue = new PostgresJobQueue({ pool: postgres.pool });
    const workers: NodeWorker[] = [];
    const options = { concurrency: 16, leaseMs: 1000 };
    try {
      const ids = new Set<string>();
      for (let start = 0; start < jobs; start += 500) {
        const batch = await Promise.all(
          Array.from({ length: 500 }, async (_, offset) => {
            const index = start + offset;
            const keyed = index % 2 === 0;
            const enqueue = () =>
              queue.enqueue(
                name,
                { sleepMs: 40 },
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
      // Workers start after the jobs are in, so the kills below land while jobs are running.
      for (let index = 0; index < 3; index++) workers.push(spawnWorker(name, options));

      await Promise.all(workers.map((worker) => worker.waitForLine('ready', 60_000)));
      // Three kills, each when a random share of the jobs is done; the victim restarts at once.
      const killAt = Array.from({ length: 3 }, () => Math.floor(jobs * (0.1 + Math.random() * 0.7))).sort(
        (a, b) => a - b,
      );
      let kills = 0;
      let last: unknown;
      await until(
        async () => {
          const stats = await queue.stats(name);
          last = { stats, kills, killAt };
          // Victims are workers holding jobs right now (a lease's owner names its process id).
          const { rows: owners } = await postgres.pool.query<{ owner: string }>(
            `SELECT DISTINCT owner FROM tristack.jobs WHERE name = $1 AND state = 'active'`,
            [name],
          );
          const holding = new Set(owners.map((row) => row.owner.split(':')[1]));
          const busy = workers.flatMap((worker, index) =>
            holding.has(String(worker.process.pid)) ? [index] : [],
          );
          if (kills < killAt.length && stats.completed >= killAt[kills]! && busy.length > 0) {
            const victim = busy[Math.floor(Math.random() * busy.length)]!;
            await workers[victim]!.kill('SIGKILL');
            workers[victim] = spawnWorker(name, options);
            kills++;
          }
          return stats.completed >= jobs && kills === killAt.length ? stats : undefined;
        },
        () => `every job to complete (${JSON.stringify(last)})`,
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
      const { rows } = await postgres.pool.query<{ effects: number; runs: number }>(
        `SELECT (SELECT count(*) FROM fleet_effects)::integer AS effects,
                (SELECT count(*) FROM fleet_runs)::integer AS runs`,
      );
      // Killed workers had jobs in flight (effect done, outcome not yet recorded): those ran again…
      expect(rows[0]!.runs, `${rows[0]!.runs} runs of ${jobs} jobs`).toBeGreaterThan(jobs);
      // …yet every keyed side effect happened exactly once.
      expect(rows[0]!.effects).toBe(jobs / 2);
    } finally {
      await Promise.all(workers.map((worker) => worker.kill()));
      await queue.close();
    }
  }, 150_000);
});
