// A queue worker process for the crash, cross-process and cluster tests. argv[2] is JSON:
// { urls, database?, cluster?, prefix, name, concurrency, leaseMs }. It prints "ready" once it
// takes jobs and runs until killed (or "stop" on stdin: graceful close, exit 0).
// Handlers, by payload.kind:
//   effect: the crash test's side effect — guarded by the job's idempotency key (SET NX, then
//           INCR effects) so it happens once per key however often the job runs; INCR runs always.
//   echo:   reports progress { pid }, returns { pid, text: upper-cased }.
//   hang:   never returns (until its signal aborts).
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient, createCluster } from 'redis';
import type { JobContext, JobJsonValue } from '@tristack/core';
import { toRedisConnection } from '../connection.js';
import effectSource from './lua/count-effect-3.fixture.lua.generated.js';
import { RedisJobQueue } from './redis-job-queue.js';

interface Config {
  urls: string[];
  database?: number;
  cluster?: boolean;
  prefix: string;
  name: string;
  concurrency: number;
  leaseMs: number;
}

const config = JSON.parse(process.argv[2]!) as Config;
const client = config.cluster
  ? createCluster({ rootNodes: config.urls.map((url) => ({ url })) })
  : createClient({ url: config.urls[0], database: config.database ?? 0 });
client.on('error', () => {});
await client.connect();
const connection = toRedisConnection(client);

// All keys in the queue's own slot, so it runs on a cluster too.
const slot = `${config.prefix}:queue:{${config.name}}`;

type Payload = { kind: 'effect'; sleepMs: number } | { kind: 'echo'; text: string } | { kind: 'hang' };

async function handle(job: JobContext<Payload>): Promise<JobJsonValue> {
  switch (job.payload.kind) {
    case 'effect': {
      const { sleepMs } = job.payload;
      const keys = [`${slot}:test:effect:`, `${slot}:test:effects`, `${slot}:test:runs`];
      await connection.sendCommand(['EVAL', effectSource, '3', ...keys, job.idempotencyKey ?? ''], {
        key: keys[0],
      });
      await sleep(Math.random() * sleepMs);
      return job.attempt;
    }
    case 'echo':
      await job.progress({ pid: process.pid });
      return { pid: process.pid, text: job.payload.text.toUpperCase() };
    case 'hang':
      await new Promise((resolve) => job.signal.addEventListener('abort', resolve, { once: true }));
      throw job.signal.reason;
  }
}

const queue = new RedisJobQueue({ client, prefix: config.prefix, blockMs: 1000 });
await queue.process<Payload>(config.name, (job) => handle(job), {
  concurrency: config.concurrency,
  leaseMs: config.leaseMs,
  onError: () => {},
});
process.stdout.write('ready\n');
process.stdin.on('data', async (chunk) => {
  if (!String(chunk).includes('stop')) return;
  await queue.close({ timeoutMs: 5000 });
  await client.close();
  process.exit(0);
});
