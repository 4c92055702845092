import type {
  JobBackoffOptions,
  JobEnqueueOptions,
  JobProcessOptions,
  JobResultOptions,
} from './job-queue-schemas.js';

/** A JSON value: what payloads, results and progress reports may hold. */
export type JobJsonValue =
  string | number | boolean | null | JobJsonValue[] | { [key: string]: JobJsonValue };

/**
 * Where a job is:
 * - `waiting`: ready to start (or held back by its tenant's concurrency limit);
 * - `active`: a worker holds its lease and runs the handler;
 * - `delayed`: enqueued with `delayMs`, not due yet;
 * - `failed`: its last attempt failed; it waits out its backoff, then runs again;
 * - `completed`, `dead` (attempts exhausted, in the dead-letter stream), `cancelled`: final.
 */
export type JobState = 'waiting' | 'active' | 'delayed' | 'failed' | 'completed' | 'dead' | 'cancelled';

/** What a handler receives: the job and the means to report progress and notice cancellation. */
export interface JobContext<Payload = JobJsonValue> {
  readonly id: string;
  /** The queue name the job was enqueued on. */
  readonly name: string;
  readonly payload: Payload;
  /** 1 on the first run, 2 on the first retry, … */
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly priority: number;
  readonly tenantId: string | undefined;
  /**
   * The caller's idempotency key. Key the handler's side effect by it (a conditional write)
   * and a job retried after a crash runs that effect exactly once.
   */
  readonly idempotencyKey: string | undefined;
  /** Epoch ms the job was enqueued (driver clock: the server's for Redis). */
  readonly enqueuedAt: number;
  /**
   * Aborted when the job is cancelled (`reason`: a `TristackError` with code `ABORTED`), times out
   * (`TIMEOUT`), loses its lease (`LEASE_LOST`) or the worker shuts down past its grace period.
   */
  readonly signal: AbortSignal;
  /** Publishes a progress report to every `onProgress` listener of this job, in any process. */
  progress(data: JobJsonValue): Promise<void>;
}

/** Runs one job; its return value (JSON) is the job's result. Throwing fails the attempt. */
export type JobHandler<Payload = JobJsonValue, Result = JobJsonValue> = (
  job: JobContext<Payload>,
) => Promise<Result> | Result;

/** A running worker pool for one queue name. */
export interface JobWorker {
  readonly name: string;
  /** Handlers running right now. */
  readonly running: number;
  /**
   * Graceful shutdown: stops taking jobs and waits up to `timeoutMs` for running handlers; then
   * aborts the rest and releases them back to `waiting` (the attempt is not counted).
   */
  close(options?: { timeoutMs?: number }): Promise<void>;
}

/** How a job ended. A failure is a result here, not an exception. */
export type JobOutcome<Result = JobJsonValue> =
  | { status: 'completed'; jobId: string; value: Result; attempts: number }
  | { status: 'dead'; jobId: string; error: string; attempts: number }
  | { status: 'cancelled'; jobId: string; reason: string | undefined; attempts: number };

/** A point-in-time view of a job. */
export interface JobSnapshot {
  id: string;
  name: string;
  state: JobState;
  payload: JobJsonValue;
  /** Attempts started so far. */
  attempts: number;
  maxAttempts: number;
  priority: number;
  tenantId: string | undefined;
  idempotencyKey: string | undefined;
  enqueuedAt: number;
  /** Start of the current or last attempt. */
  startedAt: number | undefined;
  /** When the job reached a final state. */
  finishedAt: number | undefined;
  /** When a `delayed` or `failed` job becomes `waiting` again. */
  runAt: number | undefined;
  /** When the last attempt failed. */
  failedAt: number | undefined;
  /** The last attempt's error message. */
  error: string | undefined;
  result: JobJsonValue | undefined;
  /** The last progress report. */
  progress: JobJsonValue | undefined;
}

/** Job counts of one queue name. */
export interface QueueStats {
  waiting: number;
  active: number;
  delayed: number;
  /** Failed an attempt and waiting out the backoff before the next one. */
  failed: number;
  dead: number;
  completed: number;
}

/** An entry of the dead-letter stream. */
export interface DeadLetter {
  jobId: string;
  name: string;
  /** The last attempt's error. */
  error: string;
  attempts: number;
  failedAt: number;
}

/**
 * `cancel()`'s answer: `cancelled` (it had not started: final now), `requested` (it is running:
 * its handler's signal is aborted in whichever process runs it), `finished` (already final),
 * `not-found`.
 */
export type CancelStatus = 'cancelled' | 'requested' | 'finished' | 'not-found';

export interface JobProgressEvent {
  jobId: string;
  data: JobJsonValue;
}

/**
 * A job queue for long tool calls: at-least-once execution with leases, retries with backoff,
 * a dead-letter stream, idempotency keys, delays, priorities, per-tenant concurrency,
 * cross-process results, progress and cancellation.
 */
export interface JobQueue {
  /**
   * Adds a job and returns its id; with an `idempotencyKey` already used by the same tenant (or, without
   * `tenantId`, by another tenant-less job), returns that job's id instead. Keys never match across tenants.
   */
  enqueue<Payload extends JobJsonValue = JobJsonValue>(
    name: string,
    payload: Payload,
    options?: JobEnqueueOptions,
  ): Promise<string>;
  /** Starts a worker pool for `name`; resolves once it takes jobs. */
  process<Payload extends JobJsonValue = JobJsonValue, Result extends JobJsonValue = JobJsonValue>(
    name: string,
    handler: JobHandler<Payload, Result>,
    options?: JobProcessOptions,
  ): Promise<JobWorker>;
  /** Waits until the job is final (in any process). Rejects `TIMEOUT` after `timeoutMs`, `NOT_FOUND` for an unknown job. */
  result<Result extends JobJsonValue = JobJsonValue>(
    jobId: string,
    options?: JobResultOptions,
  ): Promise<JobOutcome<Result>>;
  /** Calls `listener` for every progress report of the job from now on; resolves to an unsubscribe. */
  onProgress(jobId: string, listener: (event: JobProgressEvent) => void): Promise<() => void>;
  cancel(jobId: string, reason?: string): Promise<CancelStatus>;
  /** Moves a dead job back to `waiting` with a fresh set of attempts; false when it is not dead. */
  retryDeadLetter(jobId: string): Promise<boolean>;
  /** The oldest entries of the dead-letter stream of `name`. */
  deadLetters(name: string, options?: { limit?: number }): Promise<DeadLetter[]>;
  getJob(jobId: string): Promise<JobSnapshot | undefined>;
  stats(name: string): Promise<QueueStats>;
  /** Closes every worker (gracefully) and listener this instance started; pending `result()` calls reject `ABORTED`. */
  close(options?: { timeoutMs?: number }): Promise<void>;
}

export type { JobBackoffOptions, JobEnqueueOptions, JobProcessOptions, JobResultOptions };
