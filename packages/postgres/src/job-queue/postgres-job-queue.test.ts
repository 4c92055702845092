import type { NewJob } from '@tristack/core/driver-kit';
import { describeJobQueue } from '@tristack/testing/conformance';
import { recordingPool, requiresPostgres, usePostgres } from '@tristack/testing/postgres';
import type pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../migrate.js';
import { PostgresJobQueue } from './postgres-job-queue.js';
import { jobQueueSchema } from './schema.js';

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

/** Enqueues as if under an OpenTelemetry span: every job carries TRACEPARENT (no SDK needed here). */
class TracedPostgresJobQueue extends PostgresJobQueue {
  protected override addJob(job: NewJob): Promise<string> {
    return super.addJob({ ...job, traceparent: TRACEPARENT });
  }
}

describe.runIf(requiresPostgres('PostgresJobQueue'))('PostgresJobQueue', () => {
  const postgres = usePostgres();
  // Each handle holds one LISTEN connection; the suite opens up to four handles at once.
  let pool: pg.Pool;
  beforeAll(async () => {
    pool = postgres.newPool({ max: 30 });
    await migrate(pool, { primitives: ['job-queue'] });
  });

  describeJobQueue('PostgresJobQueue', () => ({
    create: () => new PostgresJobQueue({ pool }),
    cleanup: async () => {
      await pool.query('TRUNCATE tristack.jobs, tristack.job_events');
    },
  }));

  it('enqueues, cancels and reads a job in one statement each', async () => {
    const recording = recordingPool(pool);
    const queue = new PostgresJobQueue({ pool: recording });
    try {
      const jobId = await queue.enqueue('one-trip', { n: 1 }, { idempotencyKey: 'k', tenantId: 't' });
      expect(recording.statements()).toHaveLength(1);
      recording.clear();
      expect(await queue.enqueue('one-trip', { n: 2 }, { idempotencyKey: 'k', tenantId: 't' })).toBe(jobId);
      expect(recording.statements()).toHaveLength(1);
      recording.clear();
      expect((await queue.getJob(jobId))?.state).toBe('waiting');
      expect(recording.statements()).toHaveLength(1);
      recording.clear();
      expect(await queue.cancel(jobId)).toBe('cancelled');
      expect(recording.statements()).toHaveLength(1);
      expect(recording.checkouts()).toBe(0);
    } finally {
      await queue.close();
    }
  });

  it("stores the enqueuing span's traceparent and hands it back with the taken job", async () => {
    const traced = new TracedPostgresJobQueue({ pool });
    const plain = new PostgresJobQueue({ pool });
    try {
      const tracedId = await traced.enqueue('traced', { n: 1 });
      const plainId = await plain.enqueue('traced', { n: 2 });
      const { rows } = await pool.query<{ id: string; traceparent: string | null }>(
        `SELECT id, traceparent FROM tristack.jobs WHERE name = 'traced'`,
      );
      const byId = new Map(rows.map((row) => [`traced:${row.id}`, row.traceparent]));
      expect(byId.get(tracedId)).toBe(TRACEPARENT);
      expect(byId.get(plainId)).toBeNull();
      const taken = await pool.query<{ id: string | null; traceparent: string | null }>(
        `SELECT id, traceparent FROM tristack.job_take_traced('traced', 'probe', 10, 0, 60000, 60000, 'none')`,
      );
      const takenById = new Map(
        taken.rows.filter((row) => row.id !== null).map((row) => [`traced:${row.id}`, row.traceparent]),
      );
      expect(takenById.get(tracedId)).toBe(TRACEPARENT);
      expect(takenById.get(plainId)).toBeNull();
    } finally {
      await Promise.all([traced.close(), plain.close()]);
    }
  });

  it('upgrades a version 1 schema in place: old jobs and old enqueue calls keep working', async () => {
    const schema = '"job_queue_upgrade"';
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.query(`CREATE SCHEMA ${schema}`);
    try {
      const [version1, version2] = jobQueueSchema.versions;
      for (const ddl of version1!(schema)) await pool.query(ddl);
      const enqueueVersion1 = (id: string) =>
        pool.query(
          `SELECT ${schema}.job_enqueue('up', $1, 'null', 0, NULL, NULL, NULL, NULL, 3, 'fixed', 0, 0, 0, NULL, 0, 'none')`,
          [id],
        );
      await enqueueVersion1('00000000-0000-4000-8000-000000000001');
      for (const ddl of version2!(schema)) await pool.query(ddl);
      // A producer of the previous release, after the upgrade.
      await enqueueVersion1('00000000-0000-4000-8000-000000000002');
      const taken = await pool.query<{ id: string | null; traceparent: string | null }>(
        `SELECT id, traceparent FROM ${schema}.job_take_traced('up', 'probe', 10, 0, 60000, 60000, 'none')`,
      );
      expect(taken.rows.filter((row) => row.id !== null)).toEqual([
        { id: '00000000-0000-4000-8000-000000000001', traceparent: null },
        { id: '00000000-0000-4000-8000-000000000002', traceparent: null },
      ]);
    } finally {
      await pool.query(`DROP SCHEMA ${schema} CASCADE`);
    }
  });

  it('reclaims the job of a worker that stopped renewing its lease, counting a failed attempt', async () => {
    const queue = new PostgresJobQueue({ pool });
    try {
      const jobId = await queue.enqueue('stalled', null, { maxAttempts: 2, backoff: { delayMs: 0 } });
      // A worker that took the job and died: the row is active with a lease already past.
      await pool.query(
        `UPDATE tristack.jobs SET state = 'active', attempts = 1, owner = 'dead-worker#1', lease_until = 0
          WHERE name = 'stalled'`,
      );
      await queue.process('stalled', (job) => job.attempt, { leaseMs: 1000 });
      expect(await queue.result(jobId)).toMatchObject({ status: 'completed', value: 2, attempts: 2 });
      expect((await queue.getJob(jobId))?.error).toMatch(/lease expired/);
    } finally {
      await queue.close();
    }
  });
});
