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
  type RedisConnection,
  type ResolvedJobProcessOptions,
} from '@tristack/core/driver-kit';
import { BlockingReader } from './blocking-reader.js';
import { fetchReplyOf, type FetchReply, type StartedJob } from './queue-replies.js';
import { heartbeatScript, progressScript, stepScript } from './queue-scripts.js';

/** What a worker needs from its queue. */
export interface WorkerEnvironment {
  connection: RedisConnection;
  name: string;
  /** `<prefix>:queue:{<name>}`: KEYS[1] of every script. */
  base: string;
  /** ARGV[1..2] of every script: eventsMaxLength, resultTtlMs. */
  config: readonly [string, string];
  blockMs: number;
  maxPayloadBytes: number;
  driver: string;
  serialize(value: unknown, what: string): string;
  /** Called once the worker has fully stopped. */
  onClosed(worker: RedisJobWorker): void;
}

/** An attempt's outcome waiting to be recorded by the next step. */
interface PendingOutcome {
  jobId: string;
  unique: string;
  owner: string;
  kind: Exclude<JobAttemptOutcome['kind'], 'lost'>;
  data: string;
  /** Past this the lease has expired anyway: another worker reclaims the job. */
  giveUpAt: number;
  done(): void;
}

const seed = () => String(Math.floor(Math.random() * 2 ** 31));

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
 * A worker pool for one queue name. Its steps run one at a time: each is one script call that
 * records every outcome finished since the last step and takes as many waiting jobs as there
 * are free slots — so a busy worker spends about one round trip per batch of jobs. When every
 * lane is drained it blocks on the lanes (XREAD BLOCK on a duplicated connection) until a job
 * arrives or the next delayed job or lease check is due. One heartbeat per `leaseMs / 3`
 * renews the leases of all its running jobs in one round trip.
 */
export class RedisJobWorker implements JobWorker {
  readonly name: string;
  private readonly pool: JobAttemptPool<{ unique: string; owner: string }>;
  /** Unique per worker: the consumer in the lanes' group, and part of every lease token. */
  private readonly consumer = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly outcomes: PendingOutcome[] = [];
  private readonly recording = new Set<Promise<void>>();
  private stopping = false;
  private closing: Promise<void> | undefined;
  private stepScheduled = false;
  private stepRunning = false;
  private stepAgain = false;
  private pause = 0;
  /** Set by a step that found every lane drained: what the idle loop blocks on. */
  private drained: FetchReply | undefined;
  private wakeIdle: (() => void) | undefined;
  private idleDone: Promise<void> | undefined;
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  private heartbeatBusy = false;
  private nextReclaimAt = 0;

  private constructor(
    private readonly environment: WorkerEnvironment,
    private readonly handler: JobHandler<never, unknown>,
    private readonly options: ResolvedJobProcessOptions,
    private readonly reader: BlockingReader,
    private readonly onError: (error: unknown) => void,
  ) {
    this.name = environment.name;
    this.pool = new JobAttemptPool(options.concurrency);
  }

  static async start(
    environment: WorkerEnvironment,
    handler: JobHandler<never, unknown>,
    options: ResolvedJobProcessOptions,
  ): Promise<RedisJobWorker> {
    const reader = await BlockingReader.open(environment.connection, environment.base, environment.driver);
    const onError =
      options.onError ??
      ((error: unknown) =>
        console.warn(
          `[tristack] [${environment.driver}] queue worker '${environment.name}': ${(error as Error)?.message ?? error}`,
        ));
    const worker = new RedisJobWorker(environment, handler, options, reader, onError);
    worker.heartbeatTimer = setInterval(() => void worker.heartbeat(), Math.max(50, options.leaseMs / 3));
    worker.idleDone = worker.idleLoop();
    worker.requestStep();
    return worker;
  }

  get running(): number {
    return this.pool.running;
  }

  /** Aborts a running job of this worker (a cancellation seen on the control stream). */
  cancelLocal(jobId: string, reason: string | undefined): void {
    this.pool.get(jobId)?.attempt.abort({ kind: 'cancelled', reason });
  }

  /** Schedules a step after the current I/O callbacks, so outcomes and freed slots of one tick share it. */
  private requestStep(): void {
    if (this.stepRunning) {
      this.stepAgain = true;
      return;
    }
    if (this.stepScheduled) return;
    this.stepScheduled = true;
    setImmediate(() => {
      this.stepScheduled = false;
      void this.runSteps();
    });
  }

  private async runSteps(): Promise<void> {
    if (this.stepRunning) return;
    this.stepRunning = true;
    try {
      do {
        this.stepAgain = false;
        await this.step();
      } while (this.stepAgain);
    } finally {
      this.stepRunning = false;
      this.wakeIdle?.();
    }
  }

  private async step(): Promise<void> {
    const { connection, base, config } = this.environment;
    const outcomes = this.outcomes.splice(0);
    const capacity = this.stopping ? 0 : this.pool.free;
    const reclaim = !this.stopping && Date.now() >= this.nextReclaimAt;
    if (outcomes.length === 0 && capacity === 0 && !reclaim) return;
    this.drained = undefined;
    try {
      const reply = fetchReplyOf(
        await stepScript.run(
          connection,
          [base],
          [
            ...config,
            this.consumer,
            String(capacity),
            String(this.options.perTenantConcurrency ?? 0),
            reclaim ? String(this.options.leaseMs) : '0',
            seed(),
            String(outcomes.length),
            ...outcomes.flatMap((outcome) => [outcome.unique, outcome.owner, outcome.kind, outcome.data]),
          ],
        ),
      );
      this.pause = 0;
      if (reclaim) this.nextReclaimAt = Date.now() + this.options.leaseMs / 2;
      for (const outcome of outcomes) outcome.done();
      for (const job of reply.started) this.run(job);
      if (reply.block.length > 0) this.drained = reply;
    } catch (error) {
      this.onError(error);
      // Outcomes are recorded at most once (the script checks the lease token): try them again.
      const now = Date.now();
      for (const outcome of outcomes) {
        if (now < outcome.giveUpAt) this.outcomes.push(outcome);
        else outcome.done();
      }
      this.pause = Math.min(Math.max(this.pause * 2, 50), 2000);
      await sleep(this.pause);
      this.stepAgain = true;
    }
  }

  /** Blocks on the lanes while a step found them drained; any new entry or a due timer means another step. */
  private async idleLoop(): Promise<void> {
    const { base, blockMs } = this.environment;
    while (!this.stopping) {
      const drained = this.drained;
      if (!drained || this.stepRunning || this.stepScheduled) {
        await new Promise<void>((resolve) => (this.wakeIdle = resolve));
        this.wakeIdle = undefined;
        continue;
      }
      const timeout = Math.max(
        1,
        Math.min(blockMs, drained.nextDueMs ?? Number.POSITIVE_INFINITY, this.nextReclaimAt - Date.now()),
      );
      try {
        await this.reader.block([
          'XREAD',
          'COUNT',
          '1',
          'BLOCK',
          String(Math.ceil(timeout)),
          'STREAMS',
          ...drained.block.map(({ lane }) => `${base}:lane:${lane}`),
          ...drained.block.map(({ lastId }) => lastId),
        ]);
      } catch (error) {
        if (this.stopping) break;
        this.onError(error);
        await sleep(Math.min(1000, timeout));
      }
      if (this.drained === drained) this.drained = undefined;
      this.requestStep();
    }
  }

  private run(job: StartedJob): void {
    const { connection, base, config, name, driver } = this.environment;
    const jobId = `${name}:${job.unique}`;
    const attempt = runJobAttempt(
      this.handler,
      {
        id: jobId,
        name,
        payload: JSON.parse(job.payloadJson) as never,
        attempt: job.attempt,
        maxAttempts: job.maxAttempts,
        priority: job.priority,
        tenantId: job.tenantId,
        idempotencyKey: job.idempotencyKey,
        enqueuedAt: job.enqueuedAt,
        progress: async (data: JobJsonValue) => {
          const json = this.environment.serialize(data, 'progress');
          await progressScript.run(connection, [base], [...config, job.unique, job.owner, json]);
        },
      },
      {
        timeoutMs: job.timeoutMs,
        maxResultBytes: this.environment.maxPayloadBytes,
        driver,
        traceparent: job.traceparent,
      },
    );
    this.pool.add(jobId, attempt, { unique: job.unique, owner: job.owner }, () => this.requestStep());
    const recorded: Promise<void> = attempt.outcome
      .then(
        (outcome) =>
          new Promise<void>((done) => {
            if (outcome.kind === 'lost') return done();
            // Kept in the pool (its lease renewed) until the outcome is recorded.
            this.outcomes.push({
              jobId,
              unique: job.unique,
              owner: job.owner,
              kind: outcome.kind,
              data: dataOf(outcome),
              giveUpAt: Date.now() + this.options.leaseMs,
              done,
            });
            this.requestStep();
          }),
      )
      .finally(() => {
        this.pool.delete(jobId);
        this.recording.delete(recorded);
      });
    this.recording.add(recorded);
  }

  private async heartbeat(): Promise<void> {
    const held = this.pool.entries();
    if (held.length === 0 || this.heartbeatBusy) return;
    this.heartbeatBusy = true;
    try {
      const { connection, base, config } = this.environment;
      const reply = (await heartbeatScript.run(
        connection,
        [base],
        [...config, this.consumer, ...held.flatMap(([, { held: lease }]) => [lease.unique, lease.owner])],
      )) as unknown[];
      held.forEach(([, { attempt }], index) => {
        const status = Number(reply[index * 2]);
        if (status === 0) attempt.abort({ kind: 'lost' });
        else if (status === 2)
          attempt.abort({ kind: 'cancelled', reason: String(reply[index * 2 + 1]) || undefined });
      });
    } catch (error) {
      this.onError(error);
    } finally {
      this.heartbeatBusy = false;
    }
  }

  async close(options: { timeoutMs?: number } = {}): Promise<void> {
    const { timeoutMs } = parseInput(jobCloseOptionsSchema, options, {
      what: 'close options',
      driver: this.environment.driver,
    });
    this.closing ??= (async () => {
      this.stopping = true;
      this.wakeIdle?.();
      await this.reader.close();
      await this.idleDone;
      if (!(await this.pool.drain(timeoutMs))) this.pool.abortAll({ kind: 'released' });
      // Steps keep running (taking nothing) until every outcome is recorded.
      while (this.recording.size > 0) await Promise.all(this.recording);
      clearInterval(this.heartbeatTimer);
      this.environment.onClosed(this);
    })();
    return this.closing;
  }
}
