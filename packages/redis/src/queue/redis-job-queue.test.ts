import { setTimeout as sleep } from 'node:timers/promises';
import { describeJobQueue } from '@tristack/testing/conformance';
import { recordingConnection, useRedis } from '@tristack/testing/redis';
import { beforeEach, describe, expect, it } from 'vitest';
import { toRedisConnection } from '../connection.js';
import { cancelScript, enqueueScript, progressScript, statsScript, stepScript } from './queue-scripts.js';
import { recordOf } from './queue-replies.js';
import { RedisJobQueue } from './redis-job-queue.js';

const redis = useRedis();

describeJobQueue(`RedisJobQueue on ${redis.server.kind}`, () => {
  const prefix = redis.prefix;
  return { create: () => new RedisJobQueue({ client: redis.client, prefix }) };
});

async function until(
  check: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** A recording connection that can still duplicate itself (blocking reads are not recorded). */
function recordingQueueConnection() {
  const recording = recordingConnection(redis.client);
  return Object.assign(recording, { duplicate: toRedisConnection(redis.client).duplicate });
}

const shaOf = (command: string[]) => command[1];

describe('RedisJobQueue', () => {
  beforeEach(async () => {
    // Scripts cached on the server, so every call below is one EVALSHA (no NOSCRIPT + EVAL).
    for (const each of [enqueueScript, stepScript, progressScript, cancelScript, statsScript])
      await redis.client.sendCommand(['SCRIPT', 'LOAD', each.source]);
  });

  it('enqueues, cancels, counts and reads a job in one round trip each', async () => {
    const connection = recordingQueueConnection();
    const queue = new RedisJobQueue({ client: connection, prefix: redis.prefix });
    try {
      const jobId = await queue.enqueue(
        'tools',
        { q: 1 },
        { idempotencyKey: 'x', tenantId: 't', delayMs: 1000 },
      );
      expect(connection.commands.map(shaOf)).toEqual([enqueueScript.sha1]);
      connection.clear();
      expect(await queue.enqueue('tools', { q: 2 }, { idempotencyKey: 'x', tenantId: 't' })).toBe(jobId);
      expect(connection.commands.map(shaOf)).toEqual([enqueueScript.sha1]);
      connection.clear();
      await queue.stats('tools');
      expect(connection.commands.map(shaOf)).toEqual([statsScript.sha1]);
      connection.clear();
      await queue.getJob(jobId);
      expect(connection.names()).toEqual(['HGETALL']);
      connection.clear();
      expect(await queue.cancel(jobId)).toBe('cancelled');
      expect(connection.commands.map(shaOf)).toEqual([cancelScript.sha1]);
    } finally {
      await queue.close();
    }
  });

  it('starts a batch of jobs in one round trip, reports progress in one, and records finished jobs in batches', async () => {
    const connection = recordingQueueConnection();
    const queue = new RedisJobQueue({ client: connection, prefix: redis.prefix });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started = 0;
    let reported = 0;
    try {
      await Promise.all(Array.from({ length: 5 }, (_, index) => queue.enqueue('batch', index)));
      connection.clear();
      await queue.process(
        'batch',
        async (job) => {
          started++;
          await job.progress({ index: job.payload });
          reported++;
          await gate;
          return job.payload;
        },
        { concurrency: 10 },
      );
      await until(() => reported === 5, 'five progress reports');
      expect(started).toBe(5);
      const scripts = connection.commands.filter((command) => command[0] === 'EVALSHA').map(shaOf);
      expect(scripts.filter((sha) => sha === stepScript.sha1)).toHaveLength(1);
      expect(scripts.filter((sha) => sha === progressScript.sha1)).toHaveLength(5);
      expect(scripts).toHaveLength(6);
      connection.clear();
      release();
      await until(async () => (await queue.stats('batch')).completed === 5, 'five completions');
      // Handlers that finish together are recorded together: at most one round trip per job.
      const steps = connection.commands.filter((command) => shaOf(command) !== statsScript.sha1);
      expect(steps.every((command) => shaOf(command) === stepScript.sha1)).toBe(true);
      expect(steps.length).toBeGreaterThanOrEqual(1);
      expect(steps.length).toBeLessThanOrEqual(5);
      const recorded = steps.reduce((sum, command) => sum + Number(command[11]), 0);
      expect(recorded).toBe(5);
    } finally {
      release();
      await queue.close();
    }
  });

  it('hands a result to the producer that enqueued it without another round trip', async () => {
    const connection = recordingQueueConnection();
    const producer = new RedisJobQueue({ client: connection, prefix: redis.prefix });
    const worker = new RedisJobQueue({ client: redis.client, prefix: redis.prefix });
    try {
      await worker.process('tools', (job) => job.payload);
      // The first result() positions the events tail (one XREVRANGE).
      expect(await producer.result(await producer.enqueue('tools', 1))).toMatchObject({ value: 1 });
      connection.clear();
      const jobId = await producer.enqueue('tools', { big: 'x'.repeat(100) });
      expect(await producer.result(jobId)).toMatchObject({
        status: 'completed',
        value: { big: 'x'.repeat(100) },
      });
      expect(connection.commands.map(shaOf)).toEqual([enqueueScript.sha1]);
    } finally {
      await Promise.all([producer.close(), worker.close()]);
    }
  });

  it('renews the lease of a job running longer than leaseMs, so no other worker reclaims it', async () => {
    const queue = new RedisJobQueue({ client: redis.client, prefix: redis.prefix });
    const other = new RedisJobQueue({ client: redis.client, prefix: redis.prefix });
    try {
      const jobId = await queue.enqueue('long', null);
      await queue.process(
        'long',
        async (job) => {
          // Three leases long; heartbeats every 200 ms leave 400 ms for a descheduled process.
          await sleep(1800);
          return job.attempt;
        },
        { leaseMs: 600 },
      );
      await until(async () => (await queue.getJob(jobId))?.state === 'active', 'the job to start');
      // An idle worker that looks for expired leases every 300 ms.
      await other.process('long', () => 'stolen', { leaseMs: 600 });
      expect(await queue.result(jobId)).toEqual({ status: 'completed', jobId, value: 1, attempts: 1 });
      expect((await queue.getJob(jobId))?.error).toBeUndefined();
    } finally {
      await Promise.all([queue.close(), other.close()]);
    }
  });

  it('keeps every key of a queue name in one hash slot, whatever the ids hold', async () => {
    const name = 'we}ird:{name*';
    const queue = new RedisJobQueue({ client: redis.client, prefix: redis.prefix });
    try {
      await queue.process(name, (job) => job.tenantId ?? null, { perTenantConcurrency: 1, concurrency: 4 });
      const ids = await Promise.all(
        ['t}1', 't:{2}', 'a b*?'].map((tenantId, index) =>
          queue.enqueue(name, index, { tenantId, idempotencyKey: `k{${index}}:x` }),
        ),
      );
      const outcomes = await Promise.all(ids.map((jobId) => queue.result(jobId)));
      expect(outcomes.map((outcome) => outcome.status === 'completed' && outcome.value)).toEqual([
        't}1',
        't:{2}',
        'a b*?',
      ]);
      const keys: string[] = [];
      for await (const batch of redis.client.scanIterator({ COUNT: 1000 })) keys.push(...batch);
      expect(keys.length).toBeGreaterThan(5);
      const slots = new Set(
        await Promise.all(
          keys.map((key) =>
            redis.client.sendCommand(['CLUSTER', 'KEYSLOT', key]).catch(() => key.match(/\{[^}]*\}/)?.[0]),
          ),
        ),
      );
      expect(slots.size).toBe(1);
      for (const key of keys)
        expect(key.startsWith(`${redis.prefix}:queue:{we%7Dird%3A%7Bname%2A}:`)).toBe(true);
    } finally {
      await queue.close();
    }
  });

  it('does not warn about eviction on a noeviction server', async () => {
    const warnings: string[] = [];
    const queue = new RedisJobQueue({
      client: redis.client,
      prefix: redis.prefix,
      onWarning: (message) => warnings.push(message),
    });
    try {
      const policy = await redis.client.sendCommand(['CONFIG', 'GET', 'maxmemory-policy']);
      expect(recordOf(policy)['maxmemory-policy']).toBe('noeviction');
      await queue.process('quiet', () => null);
      expect(warnings).toEqual([]);
    } finally {
      await queue.close();
    }
  });
});
