import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JobHandler, JobJsonValue, JobWorker } from '@tristack/core';
import {
  JobAttemptPool,
  jobCloseOptionsSchema,
  parseInput,
  runJobAttempt,
  type JobAttemptOutcome,
  type ResolvedJobProcessOptions,
} from '@tristack/core/driver-kit';
import type { Pool } from 'pg';
import { type Statement, runStatement } from '../internal/sql.js';

/** A row `job_take_traced` returns: a started job, or (id null) when the next due job is due. */
export interface TakenRow {
  id: string | null;
  owner: string | null;
  attempt: number | null;
  payload: string | null;
  max_attempts: number | null;
  priority: number | null;
  tenant_id: string | null;
  idempotency_key: string | null;
  enqueued_at: string | null;
  timeout_ms: string | null;
  /** The enqueuing span's W3C `traceparent`, when one was stored (schema version 2). */
  traceparent: string | null;
  next_due_ms: string | null;
}

/** What a worker needs from its queue. */
export interface PostgresWorkerEnvironment {
  pool: Pool;
  name: string;
  channel: string;
  resultTtlMs: number;
  maxPayloadBytes: number;
  /** Longest idle wait between two looks at the table (NOTIFY wakes it sooner). */
  pollMs: number;
  statements: { take: Statement; finish: Statement; heartbeat: Statement; progress: Statement };
  serialize(value: unknown, what: string): string;
  onClosed(worker: PostgresJobWorker): void;
}

function dataOf(outcome: JobAttemptOutcome): string {
  switch (outcome.kind) {
    case 'completed':
      return outcome.resultJson;
    case 'failed':
      return outcome.error;
    case 'cancelled':
      return outcome.reason ?? '';
    default:
      return '';
  }
}

/**
 * A worker pool for one queue name. Its loop takes as many due jobs as it has free slots with
 * one `job_take` call (SKIP LOCKED: workers never wait on each other's rows), records each
 * outcome with one `job_finish` call, and sleeps until a NOTIFY (a job added), a freed slot, the
 * next delayed job or `pollMs`. One heartbeat per `leaseMs / 3` renews every lease it holds in
 * one call; a worker that dies stops renewing and its jobs are reclaimed by the next take.
 */
export class PostgresJobWorker implements JobWorker {
  readonly name: string;
  private readonly attempts: JobAttemptPool<{ id: string; owner: string }>;
  private readonly consumer = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly recording = new Set<Promise<void>>();
  private stopping = false;
  private closing: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private wakeRequested = false;
  private loopDone: Promise<void> | undefined;
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  private heartbeatBusy = false;
  private readonly onError: (error: unknown) => void;

  constructor(
    private readonly environment: PostgresWorkerEnvironment,
    private readonly handler: JobHandler<never, unknown>,
    private readonly options: ResolvedJobProcessOptions,
  ) {
    this.name = environment.name;
    this.attempts = new JobAttemptPool(options.concurrency);
    this.onError =
      options.onError ??
      ((error: unknown) =>
        console.warn(
          `[tristack] [postgres] queue worker '${environment.name}': ${(error as Error)?.message ?? error}`,
        ));
  }

  start(): void {
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), Math.max(50, this.options.leaseMs / 3));
    this.loopDone = this.loop();
  }

  get running(): number {
    return this.attempts.running;
  }

  /** Wakes the loop: a job was added, or a slot freed. */
  notify(): void {
    this.wakeRequested = true;
    this.wake?.();
  }

  /** Aborts a running job of this worker (a cancel request seen on NOTIFY). */
  cancelLocal(id: string, reason: string | undefined): void {
    this.attempts.get(id)?.attempt.abort({ kind: 'cancelled', reason });
  }

  private async loop(): Promise<void> {
    let pause = 0;
    while (!this.stopping) {
      this.wakeRequested = false;
      let waitMs = this.environment.pollMs;
      try {
        const free = this.attempts.free;
        const rows = await runStatement<TakenRow>(this.environment.pool, this.environment.statements.take, [
          this.environment.name,
          this.consumer,
          free,
          this.options.perTenantConcurrency ?? 0,
          this.options.leaseMs,
          this.environment.resultTtlMs,
          this.environment.channel,
        ]);
        pause = 0;
        let started = 0;
        for (const row of rows) {
          if (row.id === null) {
            if (row.next_due_ms !== null) waitMs = Math.min(waitMs, Math.max(1, Number(row.next_due_ms)));
          } else if (this.stopping) {
            // Closed while taking: give it back at once.
            this.record(row.id, row.owner!, { kind: 'released' });
          } else {
            this.run(row);
            started++;
          }
        }
        // A full batch: more may be ready now.
        if (started > 0 && started === free) continue;
        // Leases of dead workers are reclaimed by takes: look again within half a lease.
        waitMs = Math.min(waitMs, this.options.leaseMs / 2);
      } catch (error) {
        if (this.stopping) break;
        this.onError(error);
        pause = Math.min(Math.max(pause * 2, 50), 2000);
        waitMs = pause;
      }
      if (this.stopping) break;
      if (this.wakeRequested) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, waitMs);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.wake = done;
      });
      this.wake = undefined;
    }
  }

  private run(row: TakenRow): void {
    const { name, serialize } = this.environment;
    const id = row.id!;
    const owner = row.owner!;
    const jobId = `${name}:${id}`;
    const attempt = runJobAttempt(
      this.handler,
      {
        id: jobId,
        name,
        payload: JSON.parse(row.payload!) as never,
        attempt: row.attempt!,
        maxAttempts: row.max_attempts!,
        priority: row.priority!,
        tenantId: row.tenant_id ?? undefined,
        idempotencyKey: row.idempotency_key ?? undefined,
        enqueuedAt: Number(row.enqueued_at),
        progress: async (data: JobJsonValue) => {
          const json = serialize(data, 'progress');
          await runStatement(this.environment.pool, this.environment.statements.progress, [
            name,
            id,
            owner,
            json,
            this.environment.resultTtlMs,
            this.environment.channel,
          ]);
        },
      },
      {
        timeoutMs: row.timeout_ms === null ? undefined : Number(row.timeout_ms),
        maxResultBytes: this.environment.maxPayloadBytes,
        driver: 'postgres',
        traceparent: row.traceparent ?? undefined,
      },
    );
    this.attempts.add(id, attempt, { id, owner }, () => this.notify());
    void attempt.outcome.then((outcome) => {
      if (outcome.kind === 'lost') {
        this.attempts.delete(id);
        return;
      }
      this.record(id, owner, outcome);
    });
  }

  /** Records an outcome; retried on failure while the lease could still be ours. */
  private record(id: string, owner: string, outcome: Exclude<JobAttemptOutcome, { kind: 'lost' }>): void {
    const giveUpAt = Date.now() + this.options.leaseMs;
    const recorded = (async () => {
      for (let pause = 50; ; pause = Math.min(pause * 2, 2000)) {
        try {
          await runStatement(this.environment.pool, this.environment.statements.finish, [
            this.environment.name,
            id,
            owner,
            outcome.kind,
            dataOf(outcome),
            this.environment.resultTtlMs,
            this.environment.channel,
          ]);
          return;
        } catch (error) {
          this.onError(error);
          // Past the lease another worker reclaims the job anyway.
          if (Date.now() + pause >= giveUpAt) return;
          await sleep(pause);
        }
      }
    })().finally(() => {
      this.attempts.delete(id);
      this.recording.delete(recorded);
      this.notify();
    });
    this.recording.add(recorded);
  }

  private async heartbeat(): Promise<void> {
    const held = this.attempts.entries();
    if (held.length === 0 || this.heartbeatBusy) return;
    this.heartbeatBusy = true;
    try {
      const rows = await runStatement<{ id: string; status: number; reason: string | null }>(
        this.environment.pool,
        this.environment.statements.heartbeat,
        [
          this.environment.name,
          held.map(([, { held: lease }]) => lease.id),
          held.map(([, { held: lease }]) => lease.owner),
          this.options.leaseMs,
        ],
      );
      for (const row of rows) {
        const attempt = this.attempts.get(row.id)?.attempt;
        if (row.status === 0) attempt?.abort({ kind: 'lost' });
        else if (row.status === 2) attempt?.abort({ kind: 'cancelled', reason: row.reason || undefined });
      }
    } catch (error) {
      this.onError(error);
    } finally {
      this.heartbeatBusy = false;
    }
  }

  async close(options: { timeoutMs?: number } = {}): Promise<void> {
    const { timeoutMs } = parseInput(jobCloseOptionsSchema, options, {
      what: 'close options',
      driver: 'postgres',
    });
    this.closing ??= (async () => {
      this.stopping = true;
      this.wake?.();
      await this.loopDone;
      if (!(await this.attempts.drain(timeoutMs))) this.attempts.abortAll({ kind: 'released' });
      while (this.recording.size > 0) await Promise.all(this.recording);
      clearInterval(this.heartbeatTimer);
      this.environment.onClosed(this);
    })();
    return this.closing;
  }
}
