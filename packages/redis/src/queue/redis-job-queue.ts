import {
  TristackError,
  encodeKeyPart,
  type CancelStatus,
  type DeadLetter,
  type JobHandler,
  type JobJsonValue,
  type JobOutcome,
  type JobProgressEvent,
  type JobQueueInspector,
  type JobQueueOptions,
  type JobSnapshot,
  type JobWorker,
  type QueueStats,
} from '@tristack/core';
import {
  BaseJobQueue,
  addKeyedListener,
  jobIdempotencyScope,
  parseJobId,
  parseOptions,
  type NewJob,
  type RedisConnection,
  type ResolvedJobProcessOptions,
} from '@tristack/core/driver-kit';
import { toRedisConnection } from '../connection.js';
import { splitRedisDriverOptions, type RedisDriverOptions } from '../driver-options.js';
import { redisKey } from '../keys.js';
import { redisJobQueueTuningSchema, type RedisJobQueueTuning } from './redis-job-queue-tuning.js';
import {
  deadLetterOf,
  entriesOfRange,
  outcomeOfEvent,
  recordOf,
  snapshotOf,
  type StreamEntry,
} from './queue-replies.js';
import { cancelScript, enqueueScript, retryDeadScript, statsScript } from './queue-scripts.js';
import { RedisJobWorker } from './redis-job-worker.js';
import { StreamTail } from './stream-tail.js';
import { listJobQueues } from './list-job-queues.js';

const DRIVER = 'redis';
const FINAL_STATES = new Set(['completed', 'dead', 'cancelled']);

export interface RedisJobQueueOptions extends JobQueueOptions, RedisDriverOptions, RedisJobQueueTuning {}

type Waiter = (outcome: JobOutcome | 'missing') => void;

/** What this instance runs for one queue name. */
class NameRuntime {
  events: Promise<StreamTail> | undefined;
  control: Promise<StreamTail> | undefined;
  readonly workers = new Set<RedisJobWorker>();
  readonly waiters = new Map<string, Set<Waiter>>();
  readonly progress = new Map<string, Set<(event: JobProgressEvent) => void>>();
  /** Set once the events tail is positioned. */
  tailing = false;
  /**
   * Jobs this instance created after its events tail was positioned: their final event cannot
   * precede the tail, so `result()` needs no look at the job first. Bounded; losing an entry
   * only costs that look.
   */
  readonly fresh = new Set<string>();
}

const MAX_FRESH_JOBS = 10_000;

/**
 * `JobQueue` on Redis Streams. Each priority is a stream read by the consumer group `workers`; a
 * job's pending entry is its lease, renewed by heartbeats and reclaimed with XAUTOCLAIM when its
 * worker dies. Enqueue, cancel, progress and a worker's step (recording the jobs it finished and
 * starting the next batch) are one script — one round trip — each, over keys of one hash slot
 * per queue name. Results, progress and cancellations travel on streams, so any process sees
 * them and none is lost to a disconnect.
 */
export class RedisJobQueue extends BaseJobQueue {
  private readonly connection: RedisConnection;
  /** The client as given and the key prefix: what selects this queue's keys (the depth gauge). */
  private readonly store: readonly unknown[];
  private readonly prefix: string;
  private readonly config: readonly [string, string];
  private readonly blockMs: number;
  private readonly onWarning: (message: string) => void;
  private readonly runtimes = new Map<string, NameRuntime>();
  private evictionChecked = false;

  constructor(options: RedisJobQueueOptions) {
    const { client, prefix, rest } = splitRedisDriverOptions(options, 'RedisJobQueue');
    const { eventsMaxLength, blockMs, onWarning, ...shared } = rest;
    super(shared, DRIVER, 'RedisJobQueue');
    const own = parseOptions(
      redisJobQueueTuningSchema,
      { eventsMaxLength, blockMs, onWarning },
      {
        what: 'RedisJobQueue',
        driver: DRIVER,
      },
    );
    this.connection = toRedisConnection(client, DRIVER);
    this.prefix = prefix;
    this.store = [client, prefix];
    this.config = [String(own.eventsMaxLength), String(this.resultTtlMs)];
    this.blockMs = own.blockMs;
    this.onWarning = own.onWarning ?? ((message) => console.warn(message));
  }

  /** The client and key prefix: queues sharing them share their jobs. */
  protected override depthStore(): readonly unknown[] {
    return this.store;
  }

  /** A read-only view of the queues under this queue's prefix. */
  inspector(): JobQueueInspector {
    return {
      queues: (options) => listJobQueues(this.connection, this.prefix, options),
      stats: (name) => this.stats(name),
      deadLetters: (name, options) => this.deadLetters(name, options),
    };
  }

  private base(name: string): string {
    return redisKey(this.prefix, 'queue', [name]);
  }

  /** The job's hash (`base:job:<unique>`); `unique` is a UUID checked by parseJobId. */
  private jobKey(name: string, unique: string): string {
    return redisKey(this.prefix, 'queue', [name], 'job', unique);
  }

  private runtime(name: string): NameRuntime {
    let runtime = this.runtimes.get(name);
    if (!runtime) this.runtimes.set(name, (runtime = new NameRuntime()));
    return runtime;
  }

  protected async addJob(job: NewJob): Promise<string> {
    const { options } = job;
    // Only a tail positioned before the job exists is sure to see its final event.
    const tailedBefore = this.runtimes.get(job.name)?.tailing === true;
    const unique = await enqueueScript.run(
      this.connection,
      [this.base(job.name)],
      [
        ...this.config,
        job.unique,
        job.payloadJson,
        String(options.priority),
        String(options.delayMs),
        String(options.maxAttempts),
        options.backoff.type,
        String(options.backoff.delayMs),
        String(options.backoff.maxDelayMs),
        String(options.backoff.jitter),
        options.timeoutMs === undefined ? '' : String(options.timeoutMs),
        options.tenantId ?? '',
        options.tenantId === undefined ? '' : encodeKeyPart(options.tenantId),
        options.idempotencyKey ?? '',
        // Scoped by tenant: another tenant's equal key names another job.
        jobIdempotencyScope(options) ?? '',
        job.traceparent ?? '',
      ],
    );
    if (tailedBefore && unique === job.unique) {
      const fresh = this.runtime(job.name).fresh;
      if (fresh.size >= MAX_FRESH_JOBS) fresh.clear();
      fresh.add(job.unique);
    }
    return `${job.name}:${String(unique)}`;
  }

  /** Warns once when the server's maxmemory-policy may evict queue keys (jobs, leases, idempotency keys). */
  private async checkEvictionPolicy(routeKey: string): Promise<void> {
    if (this.evictionChecked) return;
    this.evictionChecked = true;
    let policy: string | undefined;
    try {
      const reply = await this.connection.sendCommand(['CONFIG', 'GET', 'maxmemory-policy'], {
        key: routeKey,
      });
      policy = recordOf(reply)['maxmemory-policy'];
    } catch {
      // CONFIG is often disabled on managed servers: nothing to check then.
      return;
    }
    if (policy && policy !== 'noeviction') {
      this.onWarning(
        `[tristack] [redis] maxmemory-policy is '${policy}': under memory pressure Redis may evict queue keys ` +
          `(${policy.startsWith('volatile') ? 'finished jobs and their idempotency keys, so a repeated enqueue runs again' : 'waiting jobs, leases and idempotency keys'}). ` +
          `Use 'noeviction' for the queue's server, and keep caches on another one.`,
      );
    }
  }

  protected async startWorker(
    name: string,
    handler: JobHandler<never, unknown>,
    options: ResolvedJobProcessOptions,
  ): Promise<JobWorker> {
    const base = this.base(name);
    await this.checkEvictionPolicy(base);
    const runtime = this.runtime(name);
    // Follow cancellations before taking jobs; a request missed meanwhile still reaches the heartbeat.
    runtime.control ??= this.tail(`${base}:control`, (entries) => {
      for (const entry of entries) {
        for (const worker of runtime.workers)
          worker.cancelLocal(`${name}:${entry.fields.j}`, entry.fields.r || undefined);
      }
    });
    await runtime.control.catch((error: unknown) => {
      runtime.control = undefined;
      throw error;
    });
    const worker = await RedisJobWorker.start(
      {
        connection: this.connection,
        name,
        base,
        config: this.config,
        blockMs: this.blockMs,
        maxPayloadBytes: this.maxPayloadBytes,
        driver: DRIVER,
        serialize: (value, what) => this.serialize(value, what),
        onClosed: (closed) => runtime.workers.delete(closed),
      },
      handler,
      options,
    );
    runtime.workers.add(worker);
    return worker;
  }

  private async tail(
    key: string,
    onEntries: (entries: StreamEntry[]) => void,
    onQuiet?: () => void,
  ): Promise<StreamTail> {
    const tail = new StreamTail(this.connection, key, {
      blockMs: this.blockMs,
      driver: DRIVER,
      onEntries,
      onQuiet,
      onError: () => {
        // The tail retries with backoff and re-checks waiters when it recovers.
      },
    });
    await tail.start();
    return tail;
  }

  /** The events tail of `name`: started once, it settles result waiters and feeds progress listeners. */
  private ensureEvents(name: string): Promise<StreamTail> {
    const runtime = this.runtime(name);
    if (runtime.events) return runtime.events;
    runtime.events = this.tail(
      `${this.base(name)}:events`,
      (entries) => {
        for (const { fields } of entries) {
          if (fields.t === 'progress') {
            const listeners = runtime.progress.get(fields.j!);
            if (!listeners) continue;
            const data = JSON.parse(fields.d!) as JobJsonValue;
            for (const listener of listeners) {
              try {
                listener({ jobId: `${name}:${fields.j}`, data });
              } catch {
                // A listener's own failure must not stop the tail that serves every other one.
              }
            }
          } else if (runtime.waiters.has(fields.j!)) {
            const inline = outcomeOfEvent(`${name}:${fields.j}`, fields);
            if (inline) this.resolveWaiters(runtime, fields.j!, inline);
            else void this.settle(name, fields.j!);
          }
        }
      },
      // Events may have been trimmed away unseen (a long disconnect): look at the jobs themselves.
      () => {
        for (const unique of runtime.waiters.keys()) void this.settle(name, unique);
      },
    );
    runtime.events.then(
      () => (runtime.tailing = true),
      () => (runtime.events = undefined),
    );
    return runtime.events;
  }

  private async outcome(name: string, unique: string): Promise<JobOutcome | 'missing' | undefined> {
    const [state, result, error, reason, attempts] = (await this.connection.sendCommand(
      ['HMGET', this.jobKey(name, unique), 'state', 'result', 'error', 'cancelReason', 'attempts'],
      { key: this.base(name) },
    )) as (string | null)[];
    if (state === null || state === undefined) return 'missing';
    if (!FINAL_STATES.has(state)) return undefined;
    const jobId = `${name}:${unique}`;
    const attemptCount = Number(attempts ?? 0);
    if (state === 'completed')
      return { status: 'completed', jobId, value: JSON.parse(result!), attempts: attemptCount };
    if (state === 'dead') return { status: 'dead', jobId, error: error ?? '', attempts: attemptCount };
    return { status: 'cancelled', jobId, reason: reason || undefined, attempts: attemptCount };
  }

  /** Resolves the waiters of a job when it is final (or gone). */
  private async settle(name: string, unique: string): Promise<void> {
    let outcome: JobOutcome | 'missing' | undefined;
    try {
      outcome = await this.outcome(name, unique);
    } catch {
      return; // The next event or quiet period looks again.
    }
    if (outcome !== undefined) this.resolveWaiters(this.runtime(name), unique, outcome);
  }

  private resolveWaiters(runtime: NameRuntime, unique: string, outcome: JobOutcome | 'missing'): void {
    const waiters = runtime.waiters.get(unique);
    runtime.waiters.delete(unique);
    for (const waiter of waiters ?? []) waiter(outcome);
  }

  protected async awaitOutcome(name: string, jobId: string, signal: AbortSignal): Promise<JobOutcome> {
    const { unique } = parseJobId(jobId, DRIVER);
    await this.ensureEvents(name);
    const runtime = this.runtime(name);
    const settled = new Promise<JobOutcome>((resolve, reject) => {
      const onAbort = () => {
        forget();
        reject(signal.reason);
      };
      const forget = addKeyedListener(runtime.waiters, unique, (outcome: JobOutcome | 'missing') => {
        signal.removeEventListener('abort', onAbort);
        if (outcome === 'missing') {
          reject(
            new TristackError('NOT_FOUND', `no job ${jobId} (never enqueued, or past its retention)`, {
              driver: DRIVER,
            }),
          );
        } else resolve(outcome);
      });
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    // The tail is positioned before this look, so a job finishing now is seen by one or the other.
    if (!runtime.fresh.delete(unique)) void this.settle(name, unique);
    return settled;
  }

  protected async subscribeProgress(
    name: string,
    jobId: string,
    listener: (event: JobProgressEvent) => void,
  ): Promise<() => void> {
    const { unique } = parseJobId(jobId, DRIVER);
    await this.ensureEvents(name);
    return addKeyedListener(this.runtime(name).progress, unique, listener);
  }

  protected async cancelJob(name: string, jobId: string, reason: string | undefined): Promise<CancelStatus> {
    const { unique } = parseJobId(jobId, DRIVER);
    return (await cancelScript.run(
      this.connection,
      [this.base(name)],
      [...this.config, unique, reason ?? ''],
    )) as CancelStatus;
  }

  protected async retryDead(name: string, jobId: string): Promise<boolean> {
    const { unique } = parseJobId(jobId, DRIVER);
    return (
      Number(await retryDeadScript.run(this.connection, [this.base(name)], [...this.config, unique])) === 1
    );
  }

  protected async listDeadLetters(name: string, limit: number): Promise<DeadLetter[]> {
    const key = `${this.base(name)}:dead`;
    const reply = await this.connection.sendCommand(['XRANGE', key, '-', '+', 'COUNT', String(limit)], {
      key,
    });
    return entriesOfRange(reply).map((entry) => deadLetterOf(name, entry));
  }

  protected async snapshot(name: string, jobId: string): Promise<JobSnapshot | undefined> {
    const { unique } = parseJobId(jobId, DRIVER);
    const key = this.jobKey(name, unique);
    return snapshotOf(jobId, name, await this.connection.sendCommand(['HGETALL', key], { key }));
  }

  protected async countJobs(name: string): Promise<QueueStats> {
    const [waiting, active, delayed, failed, dead, completed] = (
      (await statsScript.run(this.connection, [this.base(name)], [...this.config])) as unknown[]
    ).map(Number) as number[];
    return {
      waiting: waiting!,
      active: active!,
      delayed: delayed!,
      failed: failed!,
      dead: dead!,
      completed: completed!,
    };
  }

  protected async shutdown(timeoutMs: number): Promise<void> {
    const runtimes = [...this.runtimes.values()];
    await Promise.all(
      runtimes.flatMap((runtime) => [...runtime.workers].map((worker) => worker.close({ timeoutMs }))),
    );
    await Promise.all(
      runtimes.flatMap((runtime) =>
        [runtime.events, runtime.control].map(async (tail) => (await tail?.catch(() => undefined))?.stop()),
      ),
    );
  }
}
