import { AbortedError, InvalidInputError, TristackError } from '../errors.js';
import { validateId } from '../ids.js';
import { parseInput, parseOptions } from '../validation.js';
import { newJobId, parseJobId } from './job-id.js';
import type {
  CancelStatus,
  DeadLetter,
  JobHandler,
  JobOutcome,
  JobQueue,
  JobSnapshot,
  JobWorker,
  JobJsonValue,
  JobProgressEvent,
  QueueStats,
} from './job-queue.js';
import { serializeJobJson } from './job-json.js';
import { observeQueueDepth, tracedEnqueue } from './job-telemetry.js';
import {
  jobCloseOptionsSchema,
  jobDeadLettersOptionsSchema,
  jobEnqueueOptionsSchema,
  jobQueueOptionsSchema,
  jobProcessOptionsSchema,
  jobResultOptionsSchema,
  type JobEnqueueOptions,
  type JobQueueOptions,
  type JobProcessOptions,
  type ResolvedJobEnqueueOptions,
  type ResolvedJobProcessOptions,
  type JobResultOptions,
} from './job-queue-schemas.js';

/** A validated job, ready for the backend. */
export interface NewJob {
  id: string;
  /** The id's unique part (after the name). */
  unique: string;
  name: string;
  payloadJson: string;
  options: ResolvedJobEnqueueOptions;
  /** The enqueuing span's W3C `traceparent`, to store with the job and give back to `runJobAttempt`. */
  traceparent?: string;
}

const MAX_CANCEL_REASON_LENGTH = 1024;

/**
 * Validation, job ids and result waiting shared by the drivers: every public call checks its
 * input here (`InvalidInputError`, nothing written) before the driver touches its backend. A
 * driver supplies ten store operations on validated input; it runs handlers with
 * `runJobAttempt`/`JobAttemptPool` and computes retries with `jobBackoffDelayMs`, so every
 * backend retries alike. For driver authors.
 *
 * The contract does not include: the clock (delays and stalled-job detection use the store's own
 * time), how workers wait for jobs (blocking reads, polling, in-process wake-ups), key layout,
 * how progress events travel between processes, and connection handling.
 */
export abstract class BaseJobQueue implements JobQueue {
  protected readonly maxPayloadBytes: number;
  protected readonly resultTtlMs: number;
  private readonly closing = new AbortController();
  /** Pending `result()` waits, ended with ABORTED on close (one listener each would trip MaxListeners). */
  private readonly onClose = new Set<() => void>();
  /** Stops reporting the depth of the names this instance's workers run (on worker or queue close). */
  private readonly depthObservers = new Set<() => void>();

  protected constructor(
    options: JobQueueOptions,
    protected readonly driver: string,
    protected readonly what: string,
  ) {
    const parsed = parseOptions(jobQueueOptionsSchema, options, { what, driver });
    this.maxPayloadBytes = parsed.maxPayloadBytes;
    this.resultTtlMs = parsed.resultTtlMs;
  }

  protected abstract addJob(job: NewJob): Promise<string>;
  protected abstract startWorker(
    name: string,
    handler: JobHandler<never, unknown>,
    options: ResolvedJobProcessOptions,
  ): Promise<JobWorker>;
  /** Resolves once the job is final; rejects with `signal.reason` when `signal` aborts first. */
  protected abstract awaitOutcome(name: string, jobId: string, signal: AbortSignal): Promise<JobOutcome>;
  protected abstract subscribeProgress(
    name: string,
    jobId: string,
    listener: (event: JobProgressEvent) => void,
  ): Promise<() => void>;
  protected abstract cancelJob(
    name: string,
    jobId: string,
    reason: string | undefined,
  ): Promise<CancelStatus>;
  protected abstract retryDead(name: string, jobId: string): Promise<boolean>;
  protected abstract listDeadLetters(name: string, limit: number): Promise<DeadLetter[]>;
  protected abstract snapshot(name: string, jobId: string): Promise<JobSnapshot | undefined>;
  protected abstract countJobs(name: string): Promise<QueueStats>;
  protected abstract shutdown(timeoutMs: number): Promise<void>;

  /**
   * Identifies the store this queue's jobs live in, for the `tristack.queue.depth` gauge: queues
   * whose parts are equal (objects by identity) share their jobs, so a name is counted once for
   * them. The default, this instance, suits a driver whose store is the instance; a driver sharing
   * a backend returns what selects it (for example its client and key prefix).
   */
  protected depthStore(): readonly unknown[] {
    return [this];
  }

  protected get isClosed(): boolean {
    return this.closing.signal.aborted;
  }

  protected assertOpen(): void {
    if (this.isClosed) throw new AbortedError(`${this.what} is closed`, { driver: this.driver });
  }

  /** Validates a payload, result or progress report; `InvalidInputError` otherwise. */
  protected serialize(value: unknown, what: string): string {
    return serializeJobJson(value, { what, maxBytes: this.maxPayloadBytes, driver: this.driver });
  }

  async enqueue<Payload extends JobJsonValue = JobJsonValue>(
    name: string,
    payload: Payload,
    options: JobEnqueueOptions = {},
  ): Promise<string> {
    validateId(name, 'name', this.driver);
    const resolved = parseInput(jobEnqueueOptionsSchema, options, {
      what: 'enqueue options',
      driver: this.driver,
    });
    const payloadJson = this.serialize(payload, 'payload');
    this.assertOpen();
    const id = newJobId(name);
    return tracedEnqueue(name, (traceparent) =>
      this.addJob({
        id,
        unique: parseJobId(id, this.driver).unique,
        name,
        payloadJson,
        options: resolved,
        ...(traceparent ? { traceparent } : {}),
      }),
    );
  }

  async process<Payload extends JobJsonValue = JobJsonValue, Result extends JobJsonValue = JobJsonValue>(
    name: string,
    handler: JobHandler<Payload, Result>,
    options: JobProcessOptions = {},
  ): Promise<JobWorker> {
    validateId(name, 'name', this.driver);
    if (typeof handler !== 'function') {
      throw new InvalidInputError('invalid handler: expected a function', { driver: this.driver });
    }
    const resolved = parseInput(jobProcessOptionsSchema, options, {
      what: 'process options',
      driver: this.driver,
    });
    this.assertOpen();
    const worker = await this.startWorker(name, handler as JobHandler<never, unknown>, resolved);
    const stop = observeQueueDepth(this.depthStore(), this.driver, name, () => this.countJobs(name));
    const stopObserving = () => {
      stop();
      this.depthObservers.delete(stopObserving);
    };
    this.depthObservers.add(stopObserving);
    const close = worker.close.bind(worker);
    // The driver's worker keeps its own prototype and fields; only `close` also ends the gauge's reads.
    return Object.defineProperty(worker, 'close', {
      value: async (options?: { timeoutMs?: number }) => {
        stopObserving();
        return close(options);
      },
      configurable: true,
      writable: true,
    });
  }

  async result<Result extends JobJsonValue = JobJsonValue>(
    jobId: string,
    options: JobResultOptions = {},
  ): Promise<JobOutcome<Result>> {
    const { name } = parseJobId(jobId, this.driver);
    const { timeoutMs, signal } = parseInput(jobResultOptionsSchema, options, {
      what: 'result options',
      driver: this.driver,
    });
    this.assertOpen();
    const waiting = new AbortController();
    const stop = (reason: Error) => waiting.abort(reason);
    const timer = setTimeout(
      () =>
        stop(
          new TristackError('TIMEOUT', `job ${jobId} not final within ${timeoutMs} ms`, {
            driver: this.driver,
          }),
        ),
      timeoutMs,
    );
    const onSignal = () =>
      stop(
        new AbortedError('stopped waiting for the result: signal aborted', {
          driver: this.driver,
        }),
      );
    const onClose = () => stop(new AbortedError(`${this.what} closed`, { driver: this.driver }));
    if (signal?.aborted) onSignal();
    signal?.addEventListener('abort', onSignal);
    this.onClose.add(onClose);
    try {
      return (await this.awaitOutcome(name, jobId, waiting.signal)) as JobOutcome<Result>;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onSignal);
      this.onClose.delete(onClose);
    }
  }

  async onProgress(jobId: string, listener: (event: JobProgressEvent) => void): Promise<() => void> {
    const { name } = parseJobId(jobId, this.driver);
    if (typeof listener !== 'function') {
      throw new InvalidInputError('invalid listener: expected a function', { driver: this.driver });
    }
    this.assertOpen();
    return this.subscribeProgress(name, jobId, listener);
  }

  async cancel(jobId: string, reason?: string): Promise<CancelStatus> {
    const { name } = parseJobId(jobId, this.driver);
    if (reason !== undefined && (typeof reason !== 'string' || reason.length > MAX_CANCEL_REASON_LENGTH)) {
      throw new InvalidInputError(
        `invalid reason: a string of at most ${MAX_CANCEL_REASON_LENGTH} characters`,
        {
          driver: this.driver,
        },
      );
    }
    this.assertOpen();
    return this.cancelJob(name, jobId, reason);
  }

  async retryDeadLetter(jobId: string): Promise<boolean> {
    const { name } = parseJobId(jobId, this.driver);
    this.assertOpen();
    return this.retryDead(name, jobId);
  }

  async deadLetters(name: string, options: { limit?: number } = {}): Promise<DeadLetter[]> {
    validateId(name, 'name', this.driver);
    const { limit } = parseInput(jobDeadLettersOptionsSchema, options, {
      what: 'deadLetters options',
      driver: this.driver,
    });
    this.assertOpen();
    return this.listDeadLetters(name, limit);
  }

  async getJob(jobId: string): Promise<JobSnapshot | undefined> {
    const { name } = parseJobId(jobId, this.driver);
    this.assertOpen();
    return this.snapshot(name, jobId);
  }

  async stats(name: string): Promise<QueueStats> {
    validateId(name, 'name', this.driver);
    this.assertOpen();
    return this.countJobs(name);
  }

  async close(options: { timeoutMs?: number } = {}): Promise<void> {
    const { timeoutMs } = parseInput(jobCloseOptionsSchema, options, {
      what: 'close options',
      driver: this.driver,
    });
    if (this.isClosed) return;
    this.closing.abort();
    for (const stop of this.onClose) stop();
    // Each stop removes itself: a Set visits the rest all the same.
    for (const stopObserving of this.depthObservers) stopObserving();
    await this.shutdown(timeoutMs);
  }
}
