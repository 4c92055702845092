import { systemClock, type Clock } from '../clock.js';
import { discoverNames } from '../discover-names.js';
import type { JobQueueInspector } from './job-queue-inspector.js';
import { TristackError } from '../errors.js';
import { JobAttemptPool } from './job-attempt-pool.js';
import { jobBackoffDelayMs } from './job-backoff.js';
import { BaseJobQueue, type NewJob } from './base-job-queue.js';
import type {
  CancelStatus,
  DeadLetter,
  JobHandler,
  JobOutcome,
  JobSnapshot,
  JobState,
  JobWorker,
  JobJsonValue,
  JobProgressEvent,
  QueueStats,
} from './job-queue.js';
import { runJobAttempt, type JobAttemptOutcome } from './job-attempt.js';
import { jobIdempotencyScope } from './job-idempotency-key.js';
import { addKeyedListener } from './listener-registry.js';
import {
  jobCloseOptionsSchema,
  type JobQueueOptions,
  type ResolvedJobEnqueueOptions,
  type ResolvedJobProcessOptions,
} from './job-queue-schemas.js';
import { parseInput } from '../validation.js';

const DRIVER = 'memory';

export interface InMemoryJobQueueOptions extends JobQueueOptions {
  /** Stamps enqueue/start/finish times and decides when delays are due. @default systemClock */
  clock?: Clock;
  /** Jobs shared by every queue built on this store, like processes sharing one Redis. @default a new store */
  store?: InMemoryJobStore;
}

interface MemoryJob {
  id: string;
  name: string;
  payload: JobJsonValue;
  options: ResolvedJobEnqueueOptions;
  traceparent?: string;
  /** Enqueue order, for FIFO within a priority. */
  sequence: number;
  state: JobState;
  attempts: number;
  enqueuedAt: number;
  startedAt?: number;
  finishedAt?: number;
  runAt?: number;
  failedAt?: number;
  error?: string;
  resultJson?: string;
  progress?: JobJsonValue;
  cancelReason?: string;
  /** Token of the attempt holding the job while active. */
  owner?: number;
  timer?: ReturnType<typeof setTimeout>;
  expiresAt?: number;
}

class MemoryWorker implements JobWorker {
  readonly pool: JobAttemptPool<{ owner: number }>;
  taking = true;

  constructor(
    readonly name: string,
    readonly handler: JobHandler<never, unknown>,
    readonly options: ResolvedJobProcessOptions,
    private readonly stop: (worker: MemoryWorker, timeoutMs: number) => Promise<void>,
  ) {
    this.pool = new JobAttemptPool(options.concurrency);
  }

  get running(): number {
    return this.pool.running;
  }

  async close(options: { timeoutMs?: number } = {}): Promise<void> {
    const { timeoutMs } = parseInput(jobCloseOptionsSchema, options, {
      what: 'close options',
      driver: DRIVER,
    });
    await this.stop(this, timeoutMs);
  }
}

/** The state of one queue name. */
class NameState {
  readonly jobs = new Map<string, MemoryJob>();
  /** Idempotency scope (`jobIdempotencyScope`, per tenant) → job id. */
  readonly idempotency = new Map<string, string>();
  /** Waiting jobs, highest priority first, then enqueue order. */
  readonly waiting: MemoryJob[] = [];
  readonly dead: string[] = [];
  readonly tenantActive = new Map<string, number>();
  readonly workers = new Set<MemoryWorker>();
  readonly outcomeWaiters = new Map<string, Set<(outcome: JobOutcome) => void>>();
  readonly progressListeners = new Map<string, Set<(event: JobProgressEvent) => void>>();
  completed = 0;
}

/** The jobs of every queue name, shareable between `InMemoryJobQueue` instances. */
export class InMemoryJobStore {
  /** @internal */
  readonly names = new Map<string, NameState>();
  /** @internal */
  sequence = 0;
  /** @internal */
  tokens = 0;

  /** @internal */
  state(name: string): NameState {
    let state = this.names.get(name);
    if (!state) this.names.set(name, (state = new NameState()));
    return state;
  }
}

const FINAL: ReadonlySet<JobState> = new Set(['completed', 'dead', 'cancelled']);

function outcomeOf(job: MemoryJob): JobOutcome | undefined {
  switch (job.state) {
    case 'completed':
      return {
        status: 'completed',
        jobId: job.id,
        value: JSON.parse(job.resultJson!),
        attempts: job.attempts,
      };
    case 'dead':
      return { status: 'dead', jobId: job.id, error: job.error ?? '', attempts: job.attempts };
    case 'cancelled':
      return { status: 'cancelled', jobId: job.id, reason: job.cancelReason, attempts: job.attempts };
    default:
      return undefined;
  }
}

/**
 * `JobQueue` in process memory, for tests and single-process use: the same contract as the Redis
 * driver (priorities, delays, retries, dead letters, per-tenant limits, cancellation, progress)
 * minus durability — a process crash loses every job, so there are no leases to reclaim.
 */
export class InMemoryJobQueue extends BaseJobQueue {
  private readonly clock: Clock;
  private readonly store: InMemoryJobStore;
  /** Workers this instance started (the store's names hold every instance's). */
  private readonly workers = new Map<MemoryWorker, NameState>();

  constructor(options: InMemoryJobQueueOptions = {}) {
    const { clock = systemClock, store = new InMemoryJobStore(), ...rest } = options ?? {};
    super(rest, DRIVER, 'InMemoryJobQueue');
    this.clock = clock;
    this.store = store;
  }

  /** A read-only view of the queues in this queue's store. */
  inspector(): JobQueueInspector {
    return {
      queues: async (options) =>
        discoverNames(
          [...this.store.names].filter(([, state]) => state.jobs.size > 0).map(([name]) => name),
          options,
        ),
      stats: (name) => this.stats(name),
      deadLetters: (name, options) => this.deadLetters(name, options),
    };
  }

  private state(name: string): NameState {
    return this.store.state(name);
  }

  /** The job, unless it is gone or its retention after finishing has passed. */
  private job(name: string, jobId: string): MemoryJob | undefined {
    const state = this.state(name);
    const job = state.jobs.get(jobId);
    if (job?.expiresAt !== undefined && this.clock.now() >= job.expiresAt) {
      state.jobs.delete(jobId);
      const scope = jobIdempotencyScope(job.options);
      if (scope !== undefined && state.idempotency.get(scope) === jobId) state.idempotency.delete(scope);
      return undefined;
    }
    return job;
  }

  protected async addJob(newJob: NewJob): Promise<string> {
    const state = this.state(newJob.name);
    const key = jobIdempotencyScope(newJob.options);
    if (key !== undefined) {
      const existing = state.idempotency.get(key);
      if (existing !== undefined && this.job(newJob.name, existing)) return existing;
    }
    const now = this.clock.now();
    const job: MemoryJob = {
      id: newJob.id,
      name: newJob.name,
      payload: JSON.parse(newJob.payloadJson),
      options: newJob.options,
      sequence: this.store.sequence++,
      state: 'waiting',
      attempts: 0,
      enqueuedAt: now,
      ...(newJob.traceparent ? { traceparent: newJob.traceparent } : {}),
    };
    state.jobs.set(job.id, job);
    if (key !== undefined) state.idempotency.set(key, job.id);
    if (newJob.options.delayMs > 0) this.schedule(state, job, 'delayed', now + newJob.options.delayMs);
    else this.makeWaiting(state, job);
    return job.id;
  }

  private makeWaiting(state: NameState, job: MemoryJob): void {
    job.state = 'waiting';
    job.runAt = undefined;
    const before = (other: MemoryJob) =>
      other.options.priority < job.options.priority ||
      (other.options.priority === job.options.priority && other.sequence > job.sequence);
    const index = state.waiting.findIndex(before);
    state.waiting.splice(index === -1 ? state.waiting.length : index, 0, job);
    this.dispatch(state);
  }

  private schedule(state: NameState, job: MemoryJob, as: 'delayed' | 'failed', runAt: number): void {
    job.state = as;
    job.runAt = runAt;
    const arm = () => {
      job.timer = setTimeout(
        () => {
          job.timer = undefined;
          if (job.state !== as) return;
          if (this.clock.now() >= runAt) this.makeWaiting(state, job);
          else arm();
        },
        Math.max(0, runAt - this.clock.now()),
      );
      job.timer.unref?.();
    };
    arm();
  }

  /** Starts waiting jobs on workers with free slots, respecting each worker's tenant limit. */
  private dispatch(state: NameState): void {
    for (const worker of state.workers) {
      while (worker.taking && worker.pool.free > 0) {
        const limit = worker.options.perTenantConcurrency;
        const index = state.waiting.findIndex(
          (job) =>
            limit === undefined ||
            job.options.tenantId === undefined ||
            (state.tenantActive.get(job.options.tenantId) ?? 0) < limit,
        );
        if (index === -1) break;
        const [job] = state.waiting.splice(index, 1);
        this.start(state, worker, job!);
      }
    }
  }

  private start(state: NameState, worker: MemoryWorker, job: MemoryJob): void {
    const owner = ++this.store.tokens;
    job.state = 'active';
    job.attempts++;
    job.startedAt = this.clock.now();
    job.owner = owner;
    const tenant = job.options.tenantId;
    if (tenant !== undefined) state.tenantActive.set(tenant, (state.tenantActive.get(tenant) ?? 0) + 1);
    const attempt = runJobAttempt(
      worker.handler,
      {
        id: job.id,
        name: job.name,
        payload: structuredClone(job.payload) as never,
        attempt: job.attempts,
        maxAttempts: job.options.maxAttempts,
        priority: job.options.priority,
        tenantId: tenant,
        idempotencyKey: job.options.idempotencyKey,
        enqueuedAt: job.enqueuedAt,
        progress: async (data) => {
          const json = this.serialize(data, 'progress');
          if (job.owner !== owner) return;
          job.progress = JSON.parse(json);
          for (const listener of state.progressListeners.get(job.id) ?? []) {
            listener({ jobId: job.id, data: JSON.parse(json) });
          }
        },
      },
      {
        timeoutMs: job.options.timeoutMs,
        maxResultBytes: this.maxPayloadBytes,
        driver: DRIVER,
        traceparent: job.traceparent,
      },
    );
    worker.pool.add(job.id, attempt, { owner }, () => this.dispatch(state));
    void attempt.outcome.then((outcome) => {
      worker.pool.delete(job.id);
      this.finish(state, job, owner, outcome);
    });
  }

  private finish(state: NameState, job: MemoryJob, owner: number, outcome: JobAttemptOutcome): void {
    if (job.owner !== owner || outcome.kind === 'lost') return;
    job.owner = undefined;
    const tenant = job.options.tenantId;
    if (tenant !== undefined) {
      const count = (state.tenantActive.get(tenant) ?? 1) - 1;
      if (count > 0) state.tenantActive.set(tenant, count);
      else state.tenantActive.delete(tenant);
    }
    const now = this.clock.now();
    switch (outcome.kind) {
      case 'completed':
        job.resultJson = outcome.resultJson;
        state.completed++;
        this.finalize(state, job, 'completed', now);
        break;
      case 'cancelled':
        job.cancelReason = outcome.reason;
        this.finalize(state, job, 'cancelled', now);
        break;
      case 'failed':
        job.error = outcome.error;
        job.failedAt = now;
        if (job.attempts >= job.options.maxAttempts) {
          state.dead.push(job.id);
          this.finalize(state, job, 'dead', now);
        } else {
          this.schedule(
            state,
            job,
            'failed',
            now + jobBackoffDelayMs(job.attempts, job.options.backoff, Math.random()),
          );
        }
        break;
      case 'released':
        job.attempts--;
        this.makeWaiting(state, job);
        break;
    }
    this.dispatch(state);
  }

  private finalize(
    state: NameState,
    job: MemoryJob,
    final: 'completed' | 'dead' | 'cancelled',
    now: number,
  ): void {
    job.state = final;
    job.finishedAt = now;
    job.runAt = undefined;
    // Dead jobs stay until retried; the others leave after the retention, idempotency key included.
    job.expiresAt = final === 'dead' ? undefined : now + this.resultTtlMs;
    const outcome = outcomeOf(job)!;
    const waiters = state.outcomeWaiters.get(job.id);
    state.outcomeWaiters.delete(job.id);
    for (const resolve of waiters ?? []) resolve(outcome);
  }

  protected async startWorker(
    name: string,
    handler: JobHandler<never, unknown>,
    options: ResolvedJobProcessOptions,
  ): Promise<JobWorker> {
    const state = this.state(name);
    const worker = new MemoryWorker(name, handler, options, (self, timeoutMs) =>
      this.stopWorker(state, self, timeoutMs),
    );
    state.workers.add(worker);
    this.workers.set(worker, state);
    this.dispatch(state);
    return worker;
  }

  private async stopWorker(state: NameState, worker: MemoryWorker, timeoutMs: number): Promise<void> {
    if (!worker.taking) return;
    worker.taking = false;
    state.workers.delete(worker);
    this.workers.delete(worker);
    if (!(await worker.pool.drain(timeoutMs))) worker.pool.abortAll({ kind: 'released' });
  }

  protected awaitOutcome(name: string, jobId: string, signal: AbortSignal): Promise<JobOutcome> {
    const state = this.state(name);
    const job = this.job(name, jobId);
    if (!job) return Promise.reject(this.notFound(jobId));
    const final = outcomeOf(job);
    if (final) return Promise.resolve(final);
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        forget();
        reject(signal.reason);
      };
      const forget = addKeyedListener(state.outcomeWaiters, jobId, (outcome: JobOutcome) => {
        signal.removeEventListener('abort', onAbort);
        resolve(outcome);
      });
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private notFound(jobId: string): TristackError {
    return new TristackError('NOT_FOUND', `no job ${jobId} (never enqueued, or past its retention)`, {
      driver: DRIVER,
    });
  }

  protected async subscribeProgress(
    name: string,
    jobId: string,
    listener: (event: JobProgressEvent) => void,
  ): Promise<() => void> {
    return addKeyedListener(this.state(name).progressListeners, jobId, listener);
  }

  protected async cancelJob(name: string, jobId: string, reason: string | undefined): Promise<CancelStatus> {
    const state = this.state(name);
    const job = this.job(name, jobId);
    if (!job) return 'not-found';
    if (FINAL.has(job.state)) return 'finished';
    if (job.state === 'active') {
      for (const worker of state.workers)
        worker.pool.get(job.id)?.attempt.abort({ kind: 'cancelled', reason });
      return 'requested';
    }
    if (job.timer) clearTimeout(job.timer);
    const index = state.waiting.indexOf(job);
    if (index !== -1) state.waiting.splice(index, 1);
    job.cancelReason = reason;
    this.finalize(state, job, 'cancelled', this.clock.now());
    return 'cancelled';
  }

  protected async retryDead(name: string, jobId: string): Promise<boolean> {
    const state = this.state(name);
    const job = this.job(name, jobId);
    if (job?.state !== 'dead') return false;
    state.dead.splice(state.dead.indexOf(jobId), 1);
    job.attempts = 0;
    job.finishedAt = undefined;
    job.expiresAt = undefined;
    this.makeWaiting(state, job);
    return true;
  }

  protected async listDeadLetters(name: string, limit: number): Promise<DeadLetter[]> {
    const state = this.state(name);
    return state.dead.slice(0, limit).map((id) => {
      const job = state.jobs.get(id)!;
      return { jobId: id, name, error: job.error ?? '', attempts: job.attempts, failedAt: job.failedAt ?? 0 };
    });
  }

  protected async snapshot(name: string, jobId: string): Promise<JobSnapshot | undefined> {
    const job = this.job(name, jobId);
    if (!job) return undefined;
    return {
      id: job.id,
      name: job.name,
      state: job.state,
      payload: structuredClone(job.payload),
      attempts: job.attempts,
      maxAttempts: job.options.maxAttempts,
      priority: job.options.priority,
      tenantId: job.options.tenantId,
      idempotencyKey: job.options.idempotencyKey,
      enqueuedAt: job.enqueuedAt,
      startedAt: job.startedAt,
      finishedAt: job.finishedAt,
      runAt: job.runAt,
      failedAt: job.failedAt,
      error: job.error,
      result: job.resultJson === undefined ? undefined : JSON.parse(job.resultJson),
      progress: job.progress === undefined ? undefined : structuredClone(job.progress),
    };
  }

  protected async countJobs(name: string): Promise<QueueStats> {
    const state = this.state(name);
    const stats: QueueStats = {
      waiting: 0,
      active: 0,
      delayed: 0,
      failed: 0,
      dead: 0,
      completed: state.completed,
    };
    for (const id of state.jobs.keys()) {
      const job = this.job(name, id);
      if (job && job.state !== 'completed' && job.state !== 'cancelled') stats[job.state]++;
    }
    return stats;
  }

  protected async shutdown(timeoutMs: number): Promise<void> {
    // Timers of delayed jobs belong to the store (other instances may share it); they are unref'd.
    await Promise.all([...this.workers].map(([worker, state]) => this.stopWorker(state, worker, timeoutMs)));
  }
}
