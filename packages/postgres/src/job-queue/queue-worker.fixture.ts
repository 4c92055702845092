// A queue worker process for the crash test. argv[2] is JSON: { url, name, concurrency, leaseMs }.
// It prints "ready" once it takes jobs and runs until killed.
// The handler's side effect is guarded by the job's idempotency key (INSERT … ON CONFLICT DO
// NOTHING into fleet_effects) so it happens once per key however often the job runs; every run
// is counted in fleet_runs, unguarded.
import { setTimeout as sleep } from 'node:timers/promises';
import type { JobContext } from '@tristack/core';
import pg from 'pg';
import { PostgresJobQueue } from './postgres-job-queue.js';

interface Config {
  url: string;
  name: string;
  concurrency: number;
  leaseMs: number;
}

const config = JSON.parse(process.argv[2]!) as Config;
const pool = new pg.Pool({ connectionString: config.url, max: 8 });
pool.on('error', () => undefined);

async function handle(job: JobContext<{ sleepMs: number }>): Promise<number> {
  await pool.query(
    `WITH effect AS (
       INSERT INTO fleet_effects (key) SELECT $1 WHERE $1::text IS NOT NULL ON CONFLICT DO NOTHING RETURNING key)
     INSERT INTO fleet_runs (job_id) VALUES ($2)`,
    [job.idempotencyKey ?? null, job.id],
  );
  await sleep(Math.random() * job.payload.sleepMs);
  return job.attempt;
}

const queue = new PostgresJobQueue({ pool });
await queue.process<{ sleepMs: number }>(config.name, (job) => handle(job), {
  concurrency: config.concurrency,
  leaseMs: config.leaseMs,
  onError: () => undefined,
});
process.stdout.write('ready\n');
