import {
  TristackError,
  compositeKey,
  type CancelStatus,
  type DeadLetter,
  type Discovery,
  type DiscoveryOptions,
  type JobHandler,
  type JobJsonValue,
  type JobOutcome,
  type JobProgressEvent,
  type JobQueueInspector,
  type JobQueueOptions,
  type JobSnapshot,
  type JobState,
  type JobWorker,
  type QueueStats,
} from '@tristack/core';
import {
  BaseJobQueue,
  DEFAULT_DISCOVERY_LIMIT,
  addKeyedListener,
  jobIdempotencyScope,
  parseJobId,
  type NewJob,
  type ResolvedJobProcessOptions,
} from '@tristack/core/driver-kit';
import type { Pool } from 'pg';
import { type PostgresDriverOptions, splitPostgresDriverOptions } from '../driver-options.js';
import { runStatement, statement } from '../internal/sql.js';
import { NotificationListener } from '../internal/notification-listener.js';
import { PostgresJobWorker } from './postgres-job-worker.js';
import { schemaIdentifier } from '../internal/schema-identifier.js';

const DRIVER = 'postgres';
const FINAL_STATES = new Set(['completed', 'dead', 'cancelled']);
/** Longest wait for a notification before a worker or `result()` looks at the table anyway. */
const POLL_MS = 1000;

export interface PostgresJobQueueOptions extends JobQueueOptions, PostgresDriverOptions {}

/** A row of `jobs` as `pg` returns it (bigint columns as text). */
interface JobRow {
  id: string;
  state: JobState;
  payload: string;
  priority: number;
  tenant_id: string | null;
  idempotency_key: string | null;
  max_attempts: number;
  attempts: number;
  enqueued_at: string;
  run_at: string | null;
  started_at: string | null;
  finished_at: string | null;
  failed_at: string | null;
  cancel_reason: string | null;
  error: string | null;
  result: string | null;
  progress: string | null;
}

interface QueueEvent {
  e: 'added' | 'final' | 'cancel' | 'progress';
  n: string;
  i?: string;
  r?: string;
  s?: number;
}

const optionalNumber = (value: string | null) => (value === null ? undefined : Number(value));
const parsed = (value: string | null) => (value === null ? undefined : (JSON.parse(value) as JobJsonValue));

function outcomeOf(jobId: string, row: JobRow): JobOutcome | undefined {
  switch (row.state) {
    case 'completed':
      return { status: 'completed', jobId, value: parsed(row.result) ?? null, attempts: row.attempts };
    case 'dead':
      return { status: 'dead', jobId, error: row.error ?? '', attempts: row.attempts };
    case 'cancelled':
      return {
        status: 'cancelled',
        jobId,
        reason: row.cancel_reason || undefined,
        attempts: row.attempts,
      };
    default:
      return undefined;
  }
}

/**
 * `JobQueue` on PostgreSQL: one `jobs` table; workers claim due rows with `FOR UPDATE SKIP
 * LOCKED` (highest priority first, FIFO within one), hold them with a lease renewed by
 * heartbeats, and finish them with one function call each. Retries back off with the shared
 * formula (jitter from the server's `random()`), exhausted jobs stay as dead letters, tenants'
 * running jobs are counted under a try-advisory-lock so `perTenantConcurrency` holds across
 * processes, and idempotency keys are unique per queue name and (tenant, key) scope. Enqueue,
 * cancel and progress are one call each; results, cancel requests, progress and new jobs travel
 * by NOTIFY (ids only) to one `LISTEN` connection per instance, with polling as the fallback.
 */
export class PostgresJobQueue extends BaseJobQueue {
  private readonly pool: Pool;
  private readonly channel: string;
  private readonly statements;
  private readonly listener: NotificationListener;
  private readonly workers = new Map<string, Set<PostgresJobWorker>>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly progressListeners = new Map<string, Set<(event: JobProgressEvent) => void>>();
  /** Last progress event delivered per job, and the chain that reads them in order. */
  private readonly progressCursors = new Map<string, { seq: number; reading: Promise<void> }>();
  private enqueueTail: Promise<void> = Promise.resolve();
  /** The pool and schema: what selects this queue's tables (the depth gauge). */
  private readonly store: readonly unknown[];

  constructor(options: PostgresJobQueueOptions) {
    const { pool, schema, rest } = splitPostgresDriverOptions(options, 'PostgresJobQueue');
    super(rest, DRIVER, 'PostgresJobQueue');
    this.pool = pool;
    this.store = [pool, schema];
    // One NOTIFY channel per schema (a digest of it: channels are cut at 63 bytes).
    this.channel = schemaIdentifier(schema, 'jobs');
    const columns = `id, state, payload, priority, tenant_id, idempotency_key, max_attempts, attempts,
      enqueued_at, run_at, started_at, finished_at, failed_at, cancel_reason, error, result, progress`;
    this.statements = {
      enqueue: statement(
        'jobs.enqueue',
        schema,
        (s) =>
          `SELECT ${s}.job_enqueue($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) AS id`,
      ),
      take: statement(
        'jobs.take',
        schema,
        (s) => `SELECT * FROM ${s}.job_take_traced($1, $2, $3, $4, $5, $6, $7)`,
      ),
      finish: statement(
        'jobs.finish',
        schema,
        (s) => `SELECT ${s}.job_finish($1, $2, $3, $4, $5, $6, $7) AS recorded`,
      ),
      heartbeat: statement(
        'jobs.heartbeat',
        schema,
        (s) => `SELECT * FROM ${s}.job_heartbeat($1, $2::uuid[], $3::text[], $4)`,
      ),
      progress: statement(
        'jobs.progress',
        schema,
        (s) => `SELECT ${s}.job_progress($1, $2, $3, $4, $5, $6) AS recorded`,
      ),
      cancel: statement('jobs.cancel', schema, (s) => `SELECT ${s}.job_cancel($1, $2, $3, $4, $5) AS status`),
      retryDead: statement(
        'jobs.retry-dead',
        schema,
        (s) => `SELECT ${s}.job_retry_dead($1, $2, $3) AS retried`,
      ),
      get: statement(
        'jobs.get',
        schema,
        (s) => `SELECT ${columns} FROM ${s}.jobs WHERE name = $1 AND id = $2
                  AND (expires_at IS NULL OR expires_at > clock_timestamp())`,
      ),
      dead: statement(
        'jobs.dead',
        schema,
        (s) => `SELECT id, error, attempts, failed_at FROM ${s}.jobs
                 WHERE name = $1 AND state = 'dead' ORDER BY failed_at, seq LIMIT $2`,
      ),
      stats: statement(
        'jobs.stats',
        schema,
        (s) => `SELECT state, count(*)::integer AS count FROM ${s}.jobs
                 WHERE name = $1 AND (expires_at IS NULL OR expires_at > clock_timestamp()) GROUP BY state`,
      ),
      queues: statement(
        'jobs.queues',
        schema,
        (s) => `SELECT DISTINCT name FROM ${s}.jobs ORDER BY name LIMIT $1`,
      ),
      lastEvent: statement(
        'jobs.last-event',
        schema,
        (s) => `SELECT coalesce(max(seq), 0) AS seq FROM ${s}.job_events WHERE name = $1 AND id = $2`,
      ),
      events: statement(
        'jobs.events',
        schema,
        (s) => `SELECT seq, data FROM ${s}.job_events WHERE name = $1 AND id = $2 AND seq > $3 ORDER BY seq`,
      ),
    };
    this.listener = new NotificationListener(
      pool,
      this.channel,
      (payload) => this.onNotification(payload),
      () => this.onReconnect(),
    );
  }

  /** The pool and schema: queues sharing them share their jobs. */
  protected override depthStore(): readonly unknown[] {
    return this.store;
  }

  /** A read-only view of the queues in this schema. */
  inspector(): JobQueueInspector {
    return {
      queues: async (options: DiscoveryOptions = {}): Promise<Discovery<string>> => {
        const limit = options.limit ?? DEFAULT_DISCOVERY_LIMIT;
        const rows = await runStatement<{ name: string }>(this.pool, this.statements.queues, [limit + 1]);
        const found = rows.map((row) => row.name).sort();
        return { found: found.slice(0, limit), undecodable: [], truncated: found.length > limit };
      },
      stats: (name) => this.stats(name),
      deadLetters: (name, options) => this.deadLetters(name, options),
    };
  }

  private onNotification(payload: string): void {
    let event: QueueEvent;
    try {
      event = JSON.parse(payload) as QueueEvent;
    } catch {
      return;
    }
    switch (event.e) {
      case 'added':
        for (const worker of this.workers.get(event.n) ?? []) worker.notify();
        break;
      case 'final':
        for (const wake of this.waiters.get(`${event.n}:${event.i}`) ?? []) wake();
        break;
      case 'cancel':
        for (const worker of this.workers.get(event.n) ?? [])
          worker.cancelLocal(event.i!, event.r || undefined);
        break;
      case 'progress':
        this.readProgress(event.n, event.i!);
        break;
    }
  }

  /** Notifications may have been missed: every waiter and worker looks again. */
  private onReconnect(): void {
    for (const waiters of this.waiters.values()) for (const wake of waiters) wake();
    for (const workers of this.workers.values()) for (const worker of workers) worker.notify();
    for (const jobId of this.progressCursors.keys()) {
      const { name, unique } = parseJobId(jobId, DRIVER);
      this.readProgress(name, unique);
    }
  }

  protected async addJob(job: NewJob): Promise<string> {
    const { options } = job;
    const tenantKey = options.tenantId === undefined ? null : compositeKey([['tenant', options.tenantId]]);
    // One enqueue of this instance in flight at a time: calls reach the server in call order, so
    // FIFO within a priority holds for concurrent calls too (a pool would reorder them).
    const sent = this.enqueueTail.then(() =>
      runStatement<{ id: string }>(this.pool, this.statements.enqueue, [
        job.name,
        job.unique,
        job.payloadJson,
        options.priority,
        options.tenantId ?? null,
        tenantKey,
        options.idempotencyKey ?? null,
        jobIdempotencyScope(options) ?? null,
        options.maxAttempts,
        options.backoff.type,
        options.backoff.delayMs,
        options.backoff.maxDelayMs,
        options.backoff.jitter,
        options.timeoutMs ?? null,
        options.delayMs,
        this.channel,
        job.traceparent ?? null,
      ]),
    );
    this.enqueueTail = sent.then(
      () => undefined,
      () => undefined,
    );
    const [row] = await sent;
    return `${job.name}:${row!.id}`;
  }

  protected async startWorker(
    name: string,
    handler: JobHandler<never, unknown>,
    options: ResolvedJobProcessOptions,
  ): Promise<JobWorker> {
    await this.listener.start();
    const worker = new PostgresJobWorker(
      {
        pool: this.pool,
        name,
        channel: this.channel,
        resultTtlMs: this.resultTtlMs,
        maxPayloadBytes: this.maxPayloadBytes,
        pollMs: POLL_MS,
        statements: this.statements,
        serialize: (value, what) => this.serialize(value, what),
        onClosed: (closed) => this.workers.get(name)?.delete(closed),
      },
      handler,
      options,
    );
    let workers = this.workers.get(name);
    if (!workers) this.workers.set(name, (workers = new Set()));
    workers.add(worker);
    worker.start();
    return worker;
  }

  private async readJob(name: string, unique: string): Promise<JobRow | undefined> {
    const [row] = await runStatement<JobRow>(this.pool, this.statements.get, [name, unique]);
    return row;
  }

  protected async awaitOutcome(name: string, jobId: string, signal: AbortSignal): Promise<JobOutcome> {
    const { unique } = parseJobId(jobId, DRIVER);
    await this.listener.start();
    let wake: () => void = () => undefined;
    const forget = addKeyedListener(this.waiters, `${name}:${unique}`, () => wake());
    try {
      for (;;) {
        // Registered before reading: a final NOTIFY after the read wakes the wait below.
        const woken = new Promise<void>((resolve) => (wake = resolve));
        const row = await this.readJob(name, unique);
        if (!row)
          throw new TristackError('NOT_FOUND', `no job ${jobId} (never enqueued, or past its retention)`, {
            driver: DRIVER,
          });
        const outcome = outcomeOf(jobId, row);
        if (outcome) return outcome;
        if (signal.aborted) throw signal.reason;
        await new Promise<void>((resolve, reject) => {
          const finish = () => {
            clearTimeout(timer);
            signal.removeEventListener('abort', onAbort);
          };
          const onAbort = () => {
            finish();
            reject(signal.reason);
          };
          // The poll is the fallback for a notification lost to a broken LISTEN connection.
          const timer = setTimeout(() => {
            finish();
            resolve();
          }, POLL_MS);
          signal.addEventListener('abort', onAbort, { once: true });
          void woken.then(() => {
            finish();
            resolve();
          });
        });
      }
    } finally {
      forget();
    }
  }

  protected async subscribeProgress(
    name: string,
    jobId: string,
    listener: (event: JobProgressEvent) => void,
  ): Promise<() => void> {
    const { unique } = parseJobId(jobId, DRIVER);
    await this.listener.start();
    if (!this.progressCursors.has(jobId)) {
      const [row] = await runStatement<{ seq: string }>(this.pool, this.statements.lastEvent, [name, unique]);
      if (!this.progressCursors.has(jobId))
        this.progressCursors.set(jobId, { seq: Number(row?.seq ?? 0), reading: Promise.resolve() });
    }
    const forget = addKeyedListener(this.progressListeners, jobId, listener);
    return () => {
      forget();
      if (!this.progressListeners.has(jobId)) this.progressCursors.delete(jobId);
    };
  }

  /** Reads the job's progress events after the last one delivered, one read at a time, in order. */
  private readProgress(name: string, unique: string): void {
    const jobId = `${name}:${unique}`;
    const cursor = this.progressCursors.get(jobId);
    if (!cursor) return;
    cursor.reading = cursor.reading.then(async () => {
      try {
        const rows = await runStatement<{ seq: string; data: string }>(this.pool, this.statements.events, [
          name,
          unique,
          cursor.seq,
        ]);
        for (const row of rows) {
          cursor.seq = Number(row.seq);
          const event = { jobId, data: JSON.parse(row.data) as JobJsonValue };
          for (const listener of this.progressListeners.get(jobId) ?? []) listener(event);
        }
      } catch {
        // The next notification (or a reconnect) reads again from the same cursor.
      }
    });
  }

  protected async cancelJob(name: string, jobId: string, reason: string | undefined): Promise<CancelStatus> {
    const { unique } = parseJobId(jobId, DRIVER);
    const [row] = await runStatement<{ status: CancelStatus }>(this.pool, this.statements.cancel, [
      name,
      unique,
      reason ?? null,
      this.resultTtlMs,
      this.channel,
    ]);
    return row!.status;
  }

  protected async retryDead(name: string, jobId: string): Promise<boolean> {
    const { unique } = parseJobId(jobId, DRIVER);
    const [row] = await runStatement<{ retried: boolean }>(this.pool, this.statements.retryDead, [
      name,
      unique,
      this.channel,
    ]);
    return row!.retried;
  }

  protected async listDeadLetters(name: string, limit: number): Promise<DeadLetter[]> {
    const rows = await runStatement<{
      id: string;
      error: string | null;
      attempts: number;
      failed_at: string;
    }>(this.pool, this.statements.dead, [name, limit]);
    return rows.map((row) => ({
      jobId: `${name}:${row.id}`,
      name,
      error: row.error ?? '',
      attempts: row.attempts,
      failedAt: Number(row.failed_at),
    }));
  }

  protected async snapshot(name: string, jobId: string): Promise<JobSnapshot | undefined> {
    const { unique } = parseJobId(jobId, DRIVER);
    const row = await this.readJob(name, unique);
    if (!row) return undefined;
    const final = FINAL_STATES.has(row.state);
    return {
      id: jobId,
      name,
      state: row.state,
      payload: parsed(row.payload) ?? null,
      attempts: row.attempts,
      maxAttempts: row.max_attempts,
      priority: row.priority,
      tenantId: row.tenant_id ?? undefined,
      idempotencyKey: row.idempotency_key ?? undefined,
      enqueuedAt: Number(row.enqueued_at),
      startedAt: optionalNumber(row.started_at),
      finishedAt: optionalNumber(row.finished_at),
      runAt: final || row.state === 'active' ? undefined : optionalNumber(row.run_at),
      failedAt: optionalNumber(row.failed_at),
      error: row.error ?? undefined,
      result: parsed(row.result),
      progress: parsed(row.progress),
    };
  }

  protected async countJobs(name: string): Promise<QueueStats> {
    const rows = await runStatement<{ state: string; count: number }>(this.pool, this.statements.stats, [
      name,
    ]);
    const stats: QueueStats = { waiting: 0, active: 0, delayed: 0, failed: 0, dead: 0, completed: 0 };
    for (const row of rows) if (row.state in stats) stats[row.state as keyof QueueStats] = row.count;
    return stats;
  }

  protected async shutdown(timeoutMs: number): Promise<void> {
    const workers = [...this.workers.values()].flatMap((set) => [...set]);
    await Promise.all(workers.map((worker) => worker.close({ timeoutMs })));
    await Promise.all([...this.progressCursors.values()].map((cursor) => cursor.reading));
    this.progressCursors.clear();
    this.progressListeners.clear();
    await this.listener.stop();
  }
}
