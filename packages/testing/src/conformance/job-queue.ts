import { eventually } from '../fleet/eventually.js';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  InvalidInputError,
  TristackError,
  type JobContext,
  type JobJsonValue,
  type JobProgressEvent,
  type JobQueue,
  type JobQueueInspector,
  type JobWorker,
} from '@tristack/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inspectorOf } from './inspector-of.js';

export interface JobQueueConformanceContext {
  /**
   * Opens a queue handle. Every handle of one context shares the backend, like processes sharing
   * one Redis (an in-memory driver may hand out the same instance). The suite closes them.
   */
  create(): JobQueue | Promise<JobQueue>;
  /** Called after each test, after every handle was closed. */
  cleanup?(): Promise<void>;
}

const NO_JOBS = { waiting: 0, active: 0, delayed: 0, failed: 0, dead: 0, completed: 0 };

function deferred<T = void>(): { promise: Promise<T>; resolve(value: T): void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

/** Resolves when the handler's signal aborts, with its reason. */
function aborted(job: JobContext<unknown>): Promise<unknown> {
  return new Promise((resolve) => {
    if (job.signal.aborted) resolve(job.signal.reason);
    job.signal.addEventListener('abort', () => resolve(job.signal.reason), { once: true });
  });
}

/** Runs `fn` while counting how many run at once, overall and per key; returns the maxima. */
class ConcurrencyMeter {
  private readonly live = new Map<string, number>();
  readonly max = new Map<string, number>();
  async measure<T>(key: string, fn: () => Promise<T>): Promise<T> {
    for (const each of [key, '*']) {
      const count = (this.live.get(each) ?? 0) + 1;
      this.live.set(each, count);
      this.max.set(each, Math.max(this.max.get(each) ?? 0, count));
    }
    try {
      return await fn();
    } finally {
      for (const each of [key, '*']) this.live.set(each, this.live.get(each)! - 1);
    }
  }
}

/**
 * The behaviour every `JobQueue` driver must have: results across handles, idempotency keys,
 * retries with backoff and jitter, dead letters, delays, priorities, per-tenant concurrency,
 * cancellation, timeouts, progress, stats, graceful shutdown and input validation.
 */
export function describeJobQueue(
  name: string,
  setup: () => JobQueueConformanceContext | Promise<JobQueueConformanceContext>,
): void {
  describe(`JobQueue conformance: ${name}`, () => {
    let context: JobQueueConformanceContext;
    let opened: JobQueue[] = [];
    let queue: JobQueue;
    let queueName: string;
    const open = async () => {
      const handle = await context.create();
      opened.push(handle);
      return handle;
    };

    beforeEach(async () => {
      context = await setup();
      opened = [];
      queue = await open();
      queueName = `jobs-${randomBytes(4).toString('hex')}`;
    });
    afterEach(async () => {
      await Promise.all([...new Set(opened)].map((handle) => handle.close({ timeoutMs: 1000 })));
      await context.cleanup?.();
    });

    it('runs a job and hands its result to result()', async () => {
      await queue.process<{ n: number }, number>(queueName, (job) => job.payload.n * 2);
      const jobId = await queue.enqueue(queueName, { n: 21 });
      expect(jobId.startsWith(`${queueName}:`)).toBe(true);
      expect(await queue.result(jobId)).toEqual({ status: 'completed', jobId, value: 42, attempts: 1 });
      const snapshot = await queue.getJob(jobId);
      expect(snapshot).toMatchObject({
        id: jobId,
        name: queueName,
        state: 'completed',
        result: 42,
        attempts: 1,
      });
      expect(snapshot!.startedAt!).toBeGreaterThanOrEqual(snapshot!.enqueuedAt);
      expect(snapshot!.finishedAt!).toBeGreaterThanOrEqual(snapshot!.startedAt!);
    });

    it('gives the handler the job, its attempt and an unaborted signal', async () => {
      const seen = deferred<JobContext<JobJsonValue>>();
      await queue.process(queueName, (job) => {
        seen.resolve(job);
        return null;
      });
      const jobId = await queue.enqueue(
        queueName,
        { tool: 'search', args: ['a', 1, true, null] },
        { priority: 3, tenantId: 'tenant/1', idempotencyKey: 'call:7', maxAttempts: 4 },
      );
      const job = await seen.promise;
      expect(job).toMatchObject({
        id: jobId,
        name: queueName,
        payload: { tool: 'search', args: ['a', 1, true, null] },
        attempt: 1,
        maxAttempts: 4,
        priority: 3,
        tenantId: 'tenant/1',
        idempotencyKey: 'call:7',
      });
      expect(job.signal.aborted).toBe(false);
      expect(job.enqueuedAt).toBeGreaterThan(0);
      expect((await queue.result(jobId)).status).toBe('completed');
    });

    it('returns the existing job for a repeated idempotency key and runs it once', async () => {
      const runs = new Map<string, number>();
      const [first, second] = await Promise.all([
        queue.enqueue(queueName, { v: 1 }, { idempotencyKey: 'k1' }),
        queue.enqueue(queueName, { v: 2 }, { idempotencyKey: 'k1' }),
      ]);
      expect(second).toBe(first);
      expect(await queue.enqueue(queueName, { v: 3 }, { idempotencyKey: 'k1' })).toBe(first);
      const other = await queue.enqueue(queueName, { v: 4 }, { idempotencyKey: 'k2' });
      const otherName = await queue.enqueue(`${queueName}-b`, { v: 5 }, { idempotencyKey: 'k1' });
      expect(new Set([first, other, otherName]).size).toBe(3);
      expect((await queue.stats(queueName)).waiting).toBe(2);
      await queue.process(queueName, (job) => {
        runs.set(job.id, (runs.get(job.id) ?? 0) + 1);
        return job.payload;
      });
      const outcome = await queue.result<{ v: number }>(first);
      expect(outcome.status).toBe('completed');
      expect([1, 2]).toContain(outcome.status === 'completed' ? outcome.value.v : undefined);
      await queue.result(other);
      expect(runs.get(first)).toBe(1);
      // After completion the key still answers with the same job, which is not run again.
      expect(await queue.enqueue(queueName, { v: 6 }, { idempotencyKey: 'k1' })).toBe(first);
      expect((await queue.stats(queueName)).completed).toBe(2);
    });

    it('scopes idempotency keys by tenant: another tenant reusing a key gets its own job', async () => {
      const tenantA = await queue.enqueue(
        queueName,
        { owner: 'a' },
        { tenantId: 'acme', idempotencyKey: 'k' },
      );
      const tenantB = await queue.enqueue(
        queueName,
        { owner: 'b' },
        { tenantId: 'globex', idempotencyKey: 'k' },
      );
      const noTenant = await queue.enqueue(queueName, { owner: 'none' }, { idempotencyKey: 'k' });
      // Ids that would meet if tenant and key were joined by hand ('acme:x' + 'y' vs 'acme' + 'x:y').
      const joinedLeft = await queue.enqueue(
        queueName,
        { owner: 'l' },
        { tenantId: 'acme:x', idempotencyKey: 'y' },
      );
      const joinedRight = await queue.enqueue(
        queueName,
        { owner: 'r' },
        { tenantId: 'acme', idempotencyKey: 'x:y' },
      );
      expect(new Set([tenantA, tenantB, noTenant, joinedLeft, joinedRight]).size).toBe(5);
      // Inside one scope the key still deduplicates.
      expect(
        await queue.enqueue(queueName, { owner: 'b2' }, { tenantId: 'globex', idempotencyKey: 'k' }),
      ).toBe(tenantB);
      expect(await queue.enqueue(queueName, { owner: 'none2' }, { idempotencyKey: 'k' })).toBe(noTenant);
      expect((await queue.getJob(tenantB))?.payload).toEqual({ owner: 'b' });
      await queue.process<{ owner: string }, string>(
        queueName,
        (job) => `${job.tenantId ?? '-'}/${job.payload.owner}`,
      );
      expect(await queue.result(tenantA)).toMatchObject({ status: 'completed', value: 'acme/a' });
      expect(await queue.result(tenantB)).toMatchObject({ status: 'completed', value: 'globex/b' });
      expect(await queue.result(noTenant)).toMatchObject({ status: 'completed', value: '-/none' });
      expect(await queue.result(joinedLeft)).toMatchObject({ status: 'completed', value: 'acme:x/l' });
      expect(await queue.result(joinedRight)).toMatchObject({ status: 'completed', value: 'acme/r' });
    });

    it('awaits a result computed by a worker of another handle', async () => {
      const producer = queue;
      const worker = await open();
      const watcher = await open();
      await worker.process<string, string>(queueName, (job) => job.payload.toUpperCase());
      const jobId = await producer.enqueue(queueName, 'tool result');
      expect(await watcher.result(jobId, { timeoutMs: 5000 })).toMatchObject({
        status: 'completed',
        value: 'TOOL RESULT',
      });
    });

    it('retries a failing job with exponential backoff, then completes it', async () => {
      const starts: number[] = [];
      await queue.process(queueName, (job) => {
        starts.push(Date.now());
        if (job.attempt < 3) throw new Error(`flaky ${job.attempt}`);
        return 'ok';
      });
      const jobId = await queue.enqueue(queueName, null, { backoff: { delayMs: 40, jitter: 0 } });
      expect(await queue.result(jobId)).toMatchObject({ status: 'completed', value: 'ok', attempts: 3 });
      expect(starts).toHaveLength(3);
      // The waits double: at least 40 ms, then at least 80 ms (a few ms of clock skew tolerated).
      expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(35);
      expect(starts[2]! - starts[1]!).toBeGreaterThanOrEqual(75);
      expect((await queue.getJob(jobId))?.error).toBe('Error: flaky 2');
    });

    it('waits out a jittered backoff in state failed, with runAt inside the jitter bounds', async () => {
      const gate = deferred();
      let calls = 0;
      await queue.process(queueName, async () => {
        calls++;
        if (calls === 1) throw new TypeError('first try');
        await gate.promise;
        return calls;
      });
      const jobIds = await Promise.all(
        Array.from({ length: 6 }, () =>
          queue.enqueue(queueName, null, {
            backoff: { delayMs: 400, jitter: 0.5, type: 'fixed' },
            maxAttempts: 2,
          }),
        ),
      );
      const failed = await eventually(async () => {
        const snapshot = await queue.getJob(jobIds[0]!);
        expect(snapshot?.state).toBe('failed');
        return snapshot!;
      });
      expect(failed.error).toBe('TypeError: first try');
      const wait = failed.runAt! - failed.failedAt!;
      expect(wait).toBeGreaterThanOrEqual(200);
      expect(wait).toBeLessThanOrEqual(400);
      expect((await queue.stats(queueName)).failed).toBe(1);
      gate.resolve();
      expect(await queue.result(jobIds[0]!)).toMatchObject({ status: 'completed', attempts: 2 });
      await Promise.all(jobIds.map((jobId) => queue.result(jobId)));
    });

    it('spreads retries of jobs that failed together (jitter)', async () => {
      await queue.process(
        queueName,
        (job) => {
          if (job.attempt === 1) throw new Error('fail once');
          return null;
        },
        { concurrency: 8 },
      );
      const jobIds = await Promise.all(
        Array.from({ length: 8 }, () =>
          queue.enqueue(queueName, null, { backoff: { delayMs: 1_000, jitter: 1 } }),
        ),
      );
      // Each job's scheduled retry, read while it waits (polled: on a loaded machine one pass of
      // reads can outlast a short jittered wait, so one snapshot may find few jobs still waiting).
      const scheduled = new Map<string, number>();
      await eventually(async () => {
        const snapshots = await Promise.all(jobIds.map((jobId) => queue.getJob(jobId)));
        snapshots.forEach((snapshot, index) => {
          if (snapshot?.state === 'failed' && snapshot.runAt !== undefined && snapshot.failedAt !== undefined)
            scheduled.set(jobIds[index]!, snapshot.runAt - snapshot.failedAt);
        });
        expect(scheduled.size).toBeGreaterThanOrEqual(4);
      });
      const waits = [...scheduled.values()];
      for (const wait of waits) {
        expect(wait).toBeGreaterThanOrEqual(0);
        expect(wait).toBeLessThanOrEqual(1_000);
      }
      expect(new Set(waits).size).toBeGreaterThan(1);
      await Promise.all(jobIds.map((jobId) => queue.result(jobId)));
    });

    it('dead-letters a job after maxAttempts with its last error, and retries it on demand', async () => {
      let healthy = false;
      await queue.process(queueName, (job) => {
        if (!healthy) throw new Error(`boom ${job.attempt}`);
        return 'recovered';
      });
      const jobId = await queue.enqueue(queueName, { q: 1 }, { maxAttempts: 2, backoff: { delayMs: 10 } });
      expect(await queue.result(jobId)).toEqual({
        status: 'dead',
        jobId,
        error: 'Error: boom 2',
        attempts: 2,
      });
      const letters = await queue.deadLetters(queueName);
      expect(letters).toHaveLength(1);
      expect(letters[0]).toMatchObject({ jobId, name: queueName, error: 'Error: boom 2', attempts: 2 });
      expect(letters[0]!.failedAt).toBeGreaterThan(0);
      expect(await queue.stats(queueName)).toMatchObject({ dead: 1, waiting: 0, active: 0, failed: 0 });
      healthy = true;
      expect(await queue.retryDeadLetter(jobId)).toBe(true);
      expect(await queue.result(jobId)).toMatchObject({
        status: 'completed',
        value: 'recovered',
        attempts: 1,
      });
      expect(await queue.deadLetters(queueName)).toEqual([]);
      expect(await queue.retryDeadLetter(jobId)).toBe(false);
      expect((await queue.stats(queueName)).dead).toBe(0);
    });

    it('holds a delayed job until delayMs has passed', async () => {
      const jobId = await queue.enqueue(queueName, 'later', { delayMs: 250 });
      const delayed = await queue.getJob(jobId);
      expect(delayed?.state).toBe('delayed');
      expect(delayed!.runAt! - delayed!.enqueuedAt).toBeGreaterThanOrEqual(250);
      expect(await queue.stats(queueName)).toMatchObject({ delayed: 1, waiting: 0 });
      await queue.process(queueName, () => 'ran');
      expect(await queue.result(jobId)).toMatchObject({ status: 'completed', value: 'ran' });
      const done = await queue.getJob(jobId);
      expect(done!.startedAt! - done!.enqueuedAt).toBeGreaterThanOrEqual(250);
    });

    it('wakes an idle worker for a delayed job enqueued while it waits', async () => {
      await queue.process(queueName, () => 'woken');
      await sleep(50);
      const jobId = await queue.enqueue(queueName, null, { delayMs: 100 });
      expect(await queue.result(jobId, { timeoutMs: 5000 })).toMatchObject({ status: 'completed' });
    });

    it('starts higher priorities first and keeps FIFO within a priority', async () => {
      const enqueued: [string, number][] = [];
      for (const priority of [0, 0, 9, 5, 9, 0, 5, 9]) {
        enqueued.push([await queue.enqueue(queueName, priority, { priority }), priority]);
      }
      const order: string[] = [];
      await queue.process(queueName, (job) => {
        order.push(job.id);
        return null;
      });
      await Promise.all(enqueued.map(([jobId]) => queue.result(jobId)));
      const expected = [9, 5, 0].flatMap((priority) =>
        enqueued.filter(([, each]) => each === priority).map(([jobId]) => jobId),
      );
      expect(order).toEqual(expected);
    });

    it('never runs more than concurrency handlers at once in one worker', async () => {
      const meter = new ConcurrencyMeter();
      await queue.process(queueName, () => meter.measure('all', () => sleep(15)).then(() => null), {
        concurrency: 3,
      });
      const jobIds = await Promise.all(Array.from({ length: 12 }, () => queue.enqueue(queueName, null)));
      await Promise.all(jobIds.map((jobId) => queue.result(jobId)));
      expect(meter.max.get('*')).toBe(3);
    });

    it('never exceeds perTenantConcurrency for a tenant, across workers of two handles', async () => {
      const meter = new ConcurrencyMeter();
      const handler = (job: JobContext<JobJsonValue>) =>
        meter.measure(job.tenantId ?? 'none', async () => {
          await sleep(10);
          return null;
        });
      const other = await open();
      await queue.process(queueName, handler, { concurrency: 5, perTenantConcurrency: 2 });
      await other.process(queueName, handler, { concurrency: 5, perTenantConcurrency: 2 });
      const jobIds = await Promise.all(
        ['a', 'b', 'c'].flatMap((tenantId) =>
          Array.from({ length: 8 }, () => queue.enqueue(queueName, tenantId, { tenantId })),
        ),
      );
      const untenanted = await Promise.all(Array.from({ length: 6 }, () => queue.enqueue(queueName, null)));
      const outcomes = await Promise.all([...jobIds, ...untenanted].map((jobId) => queue.result(jobId)));
      expect(outcomes.every((outcome) => outcome.status === 'completed')).toBe(true);
      for (const tenant of ['a', 'b', 'c']) expect(meter.max.get(tenant)).toBeLessThanOrEqual(2);
      // The bound is reached (the limit is used, not avoided by running one at a time).
      expect(Math.max(...['a', 'b', 'c'].map((tenant) => meter.max.get(tenant)!))).toBe(2);
      expect(meter.max.get('*')).toBeGreaterThan(2);
    });

    it('cancels waiting and delayed jobs before they run', async () => {
      const ran: string[] = [];
      const waitingId = await queue.enqueue(queueName, 'waiting');
      const delayedId = await queue.enqueue(queueName, 'delayed', { delayMs: 60_000 });
      expect(await queue.cancel(waitingId, 'not needed')).toBe('cancelled');
      expect(await queue.cancel(delayedId)).toBe('cancelled');
      expect(await queue.stats(queueName)).toMatchObject({ waiting: 0, delayed: 0 });
      expect(await queue.result(waitingId)).toEqual({
        status: 'cancelled',
        jobId: waitingId,
        reason: 'not needed',
        attempts: 0,
      });
      await queue.process(queueName, (job) => {
        ran.push(job.id);
        return null;
      });
      const markerId = await queue.enqueue(queueName, 'marker');
      await queue.result(markerId);
      expect(ran).toEqual([markerId]);
      expect(await queue.cancel(waitingId)).toBe('finished');
      expect(await queue.cancel(`${queueName}:00000000-0000-4000-8000-000000000000`)).toBe('not-found');
    });

    it('cancels a running job from another handle through its AbortSignal, without retrying it', async () => {
      const started = deferred();
      const reasons: unknown[] = [];
      let runs = 0;
      await queue.process(queueName, async (job) => {
        runs++;
        started.resolve();
        reasons.push(await aborted(job));
        throw job.signal.reason;
      });
      const jobId = await queue.enqueue(queueName, 'long tool call', { maxAttempts: 5 });
      await started.promise;
      const other = await open();
      expect(await other.cancel(jobId, 'user pressed stop')).toBe('requested');
      expect(await other.result(jobId)).toEqual({
        status: 'cancelled',
        jobId,
        reason: 'user pressed stop',
        attempts: 1,
      });
      expect(TristackError.hasCode(reasons[0], 'ABORTED')).toBe(true);
      expect(runs).toBe(1);
      expect(await queue.cancel(jobId)).toBe('finished');
    });

    it('fails an attempt that runs past timeoutMs and aborts its signal with TIMEOUT', async () => {
      const reasons: unknown[] = [];
      await queue.process(queueName, async (job) => {
        reasons.push(await aborted(job));
        return 'too late';
      });
      const jobId = await queue.enqueue(queueName, null, { timeoutMs: 100, maxAttempts: 1 });
      const outcome = await queue.result(jobId);
      expect(outcome).toMatchObject({ status: 'dead', attempts: 1 });
      expect(outcome.status === 'dead' && outcome.error).toMatch(/timed out after 100 ms/);
      expect(TristackError.hasCode(reasons[0], 'TIMEOUT')).toBe(true);
    });

    it('fails an attempt whose handler returns something JSON cannot carry', async () => {
      await queue.process(queueName, () => ({ at: new Date() }) as never);
      const jobId = await queue.enqueue(queueName, null, { maxAttempts: 1 });
      const outcome = await queue.result(jobId);
      expect(outcome.status === 'dead' && outcome.error).toMatch(/not JSON-serialisable/);
    });

    it('delivers progress reports to listeners of other handles, in order', async () => {
      const gate = deferred();
      await queue.process(queueName, async (job) => {
        await gate.promise;
        await job.progress({ step: 1 });
        await job.progress({ step: 2 });
        await job.progress({ step: 3 });
        await gate2.promise;
        await job.progress({ step: 4 });
        return 'done';
      });
      const gate2 = deferred();
      const jobId = await queue.enqueue(queueName, null);
      const watcher = await open();
      const early: JobProgressEvent[] = [];
      const late: JobProgressEvent[] = [];
      const unsubscribe = await watcher.onProgress(jobId, (event) => early.push(event));
      await watcher.onProgress(jobId, (event) => late.push(event));
      gate.resolve();
      await eventually(() =>
        expect(early.map((event) => event.data)).toEqual([{ step: 1 }, { step: 2 }, { step: 3 }]),
      );
      expect(early[0]!.jobId).toBe(jobId);
      expect((await queue.getJob(jobId))?.progress).toEqual({ step: 3 });
      unsubscribe();
      gate2.resolve();
      await eventually(() => expect(late).toHaveLength(4));
      expect(early).toHaveLength(3);
      expect((await queue.result(jobId)).status).toBe('completed');
    });

    it('counts jobs per state', async () => {
      const gate = deferred();
      await queue.enqueue(queueName, null, { delayMs: 60_000 });
      const first = await queue.enqueue(queueName, 'a');
      await queue.enqueue(queueName, 'b');
      await queue.enqueue(queueName, 'c');
      expect(await queue.stats(queueName)).toEqual({
        waiting: 3,
        active: 0,
        delayed: 1,
        failed: 0,
        dead: 0,
        completed: 0,
      });
      const started = deferred();
      await queue.process(queueName, async () => {
        started.resolve();
        await gate.promise;
        return null;
      });
      await started.promise;
      expect(await queue.stats(queueName)).toEqual({
        waiting: 2,
        active: 1,
        delayed: 1,
        failed: 0,
        dead: 0,
        completed: 0,
      });
      gate.resolve();
      await queue.result(first);
      await eventually(async () =>
        expect(await queue.stats(queueName)).toEqual({
          waiting: 0,
          active: 0,
          delayed: 1,
          failed: 0,
          dead: 0,
          completed: 3,
        }),
      );
      expect(await queue.stats(`${queueName}-other`)).toEqual(NO_JOBS);
    });

    it('shuts a worker down gracefully: stops taking jobs and lets running ones finish', async () => {
      const gate = deferred();
      const started = deferred();
      const worker: JobWorker = await queue.process(queueName, async () => {
        started.resolve();
        await gate.promise;
        return 'finished';
      });
      const running = await queue.enqueue(queueName, 'one');
      await started.promise;
      expect(worker.running).toBe(1);
      const closing = worker.close({ timeoutMs: 5000 });
      const later = await queue.enqueue(queueName, 'two');
      setTimeout(() => gate.resolve(), 30);
      await closing;
      expect(worker.running).toBe(0);
      expect(await queue.result(running)).toMatchObject({ status: 'completed', value: 'finished' });
      expect((await queue.getJob(later))?.state).toBe('waiting');
    });

    it('releases running jobs when the grace period ends, without counting the attempt', async () => {
      const reasons: unknown[] = [];
      const started = deferred();
      const worker = await queue.process(queueName, async (job) => {
        started.resolve();
        reasons.push(await aborted(job));
        throw job.signal.reason;
      });
      const jobId = await queue.enqueue(queueName, 'slow');
      await started.promise;
      await worker.close({ timeoutMs: 50 });
      expect(TristackError.hasCode(reasons[0], 'ABORTED')).toBe(true);
      await eventually(async () =>
        expect(await queue.getJob(jobId)).toMatchObject({ state: 'waiting', attempts: 0 }),
      );
      await queue.process(queueName, (job) => job.attempt);
      expect(await queue.result(jobId)).toMatchObject({ status: 'completed', value: 1, attempts: 1 });
    });

    it('rejects invalid input with InvalidInputError and writes nothing', async () => {
      const invalid: [string, () => Promise<unknown>][] = [
        ['empty name', () => queue.enqueue('', null)],
        ['function payload', () => queue.enqueue(queueName, (() => 1) as never)],
        ['bigint payload', () => queue.enqueue(queueName, { n: 1n } as never)],
        ['NaN payload', () => queue.enqueue(queueName, { n: Number.NaN })],
        ['undefined field', () => queue.enqueue(queueName, { n: undefined } as never)],
        ['Date payload', () => queue.enqueue(queueName, { at: new Date() } as never)],
        ['oversized payload', () => queue.enqueue(queueName, 'x'.repeat(2 * 1024 * 1024))],
        ['priority 10', () => queue.enqueue(queueName, null, { priority: 10 })],
        ['negative delay', () => queue.enqueue(queueName, null, { delayMs: -1 })],
        ['zero maxAttempts', () => queue.enqueue(queueName, null, { maxAttempts: 0 })],
        ['jitter 2', () => queue.enqueue(queueName, null, { backoff: { jitter: 2 } })],
        ['unknown option', () => queue.enqueue(queueName, null, { retries: 3 } as never)],
        ['empty idempotency key', () => queue.enqueue(queueName, null, { idempotencyKey: '' })],
        ['control character in tenant', () => queue.enqueue(queueName, null, { tenantId: 'a\u0000b' })],
        ['zero concurrency', () => queue.process(queueName, () => null, { concurrency: 0 })],
        ['tiny lease', () => queue.process(queueName, () => null, { leaseMs: 1 })],
        ['handler not a function', () => queue.process(queueName, 'nope' as never)],
        ['malformed job id', () => queue.result('not-a-job-id')],
        [
          'negative result timeout',
          () => queue.result(`${queueName}:00000000-0000-4000-8000-000000000000`, { timeoutMs: -5 }),
        ],
        ['malformed id in getJob', () => queue.getJob(`${queueName}:xyz`)],
      ];
      for (const [what, call] of invalid) {
        await expect(call(), what).rejects.toBeInstanceOf(InvalidInputError);
      }
      expect(await queue.stats(queueName)).toEqual(NO_JOBS);
    });

    it('result() rejects NOT_FOUND for an unknown job, TIMEOUT when not final in time, ABORTED on its signal', async () => {
      const unknown = `${queueName}:00000000-0000-4000-8000-000000000000`;
      await expect(queue.result(unknown)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect(await queue.getJob(unknown)).toBeUndefined();
      const jobId = await queue.enqueue(queueName, null);
      await expect(queue.result(jobId, { timeoutMs: 50 })).rejects.toMatchObject({ code: 'TIMEOUT' });
      const controller = new AbortController();
      const waiting = expect(queue.result(jobId, { signal: controller.signal })).rejects.toMatchObject({
        code: 'ABORTED',
      });
      controller.abort();
      await waiting;
    });

    it('close() ends pending result() calls with ABORTED and refuses further calls', async () => {
      const handle = await open();
      const jobId = await handle.enqueue(queueName, null);
      const waiting = expect(handle.result(jobId, { timeoutMs: 10_000 })).rejects.toMatchObject({
        code: 'ABORTED',
      });
      await handle.close();
      await waiting;
      await expect(handle.enqueue(queueName, null)).rejects.toMatchObject({ code: 'ABORTED' });
    });

    it('inspector: lists the queues with jobs and reads their counts and dead letters', async () => {
      const other = `${queueName}-other`;
      await queue.enqueue(queueName, { n: 1 });
      await queue.enqueue(queueName, { n: 2 }, { delayMs: 60_000 });
      await queue.enqueue(other, { n: 3 });
      const inspector = inspectorOf<JobQueueInspector>(queue, 'JobQueue');
      const listed = await inspector.queues();
      expect(listed).toMatchObject({ undecodable: [], truncated: false });
      expect(listed.found).toEqual(expect.arrayContaining([queueName, other]));
      expect(listed.found).toEqual([...listed.found].sort());
      expect(await inspector.stats(queueName)).toMatchObject({ waiting: 1, delayed: 1, dead: 0 });
      expect(await inspector.deadLetters(queueName)).toEqual([]);
      const bounded = await inspector.queues({ limit: 1 });
      expect(bounded.found).toHaveLength(1);
      expect(bounded.truncated).toBe(true);
    });
  });
}
