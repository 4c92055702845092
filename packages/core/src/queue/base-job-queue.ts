import { InvalidInputError, TristackError } from '../errors.js';
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
}

const MAX_CANCEL_REASON_LENGTH = 1024;

/**
 * Validation, job ids and result waiting shared by the drivers: every public call checks its
 * input here (`InvalidInputError`, nothing written) before the driver touches its backend.
 */
export abstract class BaseJobQueue implements JobQueue {
  protected readonly maxPayloadBytes: number;
  protected readonly resultTtlMs: number;
  private readonly closing = new AbortController();
  /** Pending `result()` waits, ended with ABORTED on close (one listener each would trip MaxListeners). */
  private readonly onClose = new Set<() => void>();

  protected constructor(
    protected readonly driver: string,
    protected readonly what: string,
    options: JobQueueOptions,
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

  protected get isClosed(): boolean {
    return this.closing.signal.aborted;
  }

  protected assertOpen(): void {
    if (this.isClosed) throw new TristackError('ABORTED', `${this.what} is closed`, { driver: this.driver });
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
    return this.addJob({
      id,
      unique: parseJobId(id, this.driver).unique,
      name,
      payloadJson,
      options: resolved,
    });
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
    return this.startWorker(name, handler as JobHandler<never, unknown>, resolved);
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
        new TristackError('ABORTED', 'stopped waiting for the result: signal aborted', {
          driver: this.driver,
        }),
      );
    const onClose = () => stop(new TristackError('ABORTED', `${this.what} closed`, { driver: this.driver }));
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
    await this.shutdown(timeoutMs);
  }
}
