import { eventually } from '@tristack/testing/fleet';
import { findPostgresBinaries, HOW_TO_GET_POSTGRES, startPostgresCluster } from '@tristack/testing/postgres';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { migrate } from '../migrate.js';
import { PostgresJobQueue } from './postgres-job-queue.js';

const binaries = findPostgresBinaries();
if (!binaries) console.warn(`[tristack] NOT RUN: PostgresJobQueue outage: ${HOW_TO_GET_POSTGRES}`);

describe.runIf(binaries)('PostgresJobQueue across a server restart', () => {
  it('keeps its worker and its listeners through a restart: jobs from before and after all complete', async () => {
    const cluster = await startPostgresCluster(binaries!);
    const pool = new pg.Pool({ connectionString: cluster.url, max: 10 });
    pool.on('error', () => undefined); // idle clients the restart drops
    const queue = new PostgresJobQueue({ pool });
    try {
      await migrate(pool, { primitives: ['job-queue'] });
      const errors: unknown[] = [];
      await queue.process<number, number>('outage', (job) => job.payload * 2, {
        onError: (error) => errors.push(error),
        leaseMs: 1000,
      });
      const before = await queue.enqueue('outage', 1, { maxAttempts: 10, backoff: { delayMs: 50 } });
      expect(await queue.result(before, { timeoutMs: 10_000 })).toMatchObject({
        status: 'completed',
        value: 2,
      });

      await cluster.stop();
      await expect(queue.enqueue('outage', 2)).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
      await cluster.start();

      // The worker's loop and the LISTEN connection come back by themselves.
      const after = await Promise.all([3, 4, 5].map((n) => queue.enqueue('outage', n, { maxAttempts: 10 })));
      const outcomes = await Promise.all(after.map((jobId) => queue.result(jobId, { timeoutMs: 20_000 })));
      expect(outcomes.map((outcome) => outcome.status === 'completed' && outcome.value)).toEqual([6, 8, 10]);
      expect(await queue.stats('outage')).toMatchObject({ completed: 4, waiting: 0, active: 0 });
      // The instance listens again on a new connection (its last statement was LISTEN).
      const listening = async () =>
        (
          await pool.query<{ count: number }>(
            `SELECT count(*)::integer AS count FROM pg_stat_activity WHERE query LIKE 'LISTEN %'`,
          )
        ).rows[0]!.count;
      await eventually(async () => expect(await listening()).toBe(1));
    } finally {
      await queue.close();
      await pool.end();
      await cluster.destroy();
    }
  }, 120_000);
});
