import { metrics, trace, type MeterProvider } from '@opentelemetry/api';
import { TelemetryAttribute as A } from '../telemetry/telemetry-attributes.js';
import {
  TelemetrySpanKind,
  coreTelemetry,
  spanContextOf,
  traceparentOf,
} from '../telemetry/tristack-telemetry.js';
import type { QueueStats } from './job-queue.js';

/**
 * Enqueues inside a `send <queue>` PRODUCER span and gives `add` the span's `traceparent`, which
 * the driver stores with the job (the W3C format, whatever propagator the app registered), so
 * the job's attempts continue the enqueuing request's trace, sampled or not as it was. Without an
 * SDK (and no active span context) nothing is stored.
 */
export function tracedEnqueue(
  name: string,
  add: (traceparent: string | undefined) => Promise<string>,
): Promise<string> {
  return coreTelemetry.inSpan(`send ${name}`, TelemetrySpanKind.PRODUCER, async (span) => {
    const recording = span.isRecording();
    // An unsampled request's span records nothing but has a valid context: its traceparent (flag
    // 00) is stored too, so the job's attempts stay unsampled instead of starting a sampled root.
    const traceparent = traceparentOf(span);
    if (recording) {
      span.setAttribute(A.messagingSystem, 'tristack');
      span.setAttribute(A.messagingOperationType, 'send');
      span.setAttribute(A.messagingDestination, name);
    }
    const id = await add(traceparent);
    if (recording) span.setAttribute(A.messagingMessageId, id);
    coreTelemetry.instruments.queueJobs.add(1, {
      [A.messagingOperationType]: 'send',
      [A.messagingDestination]: name,
    });
    return id;
  });
}

/**
 * Runs one attempt inside a `process <queue>` CONSUMER span: a child of the enqueuing span (the
 * job's trace continues the request's) with a link to it, as the messaging conventions describe.
 */
export function tracedAttempt<T>(
  job: { id: string; name: string; attempt: number; enqueuedAt: number },
  traceparent: string | undefined,
  run: () => Promise<T>,
): Promise<T> {
  const producer = spanContextOf(traceparent);
  const instruments = coreTelemetry.instruments;
  // The gauge follows a meter provider registered after the worker started.
  if (observedQueues.size > 0) ensureDepthGauge();
  instruments.queueWaitDuration.record(Math.max(0, Date.now() - job.enqueuedAt) / 1000, {
    [A.messagingDestination]: job.name,
  });
  let outcome = 'failed';
  const started = performance.now();
  return coreTelemetry
    .inSpan(
      `process ${job.name}`,
      TelemetrySpanKind.CONSUMER,
      async (span) => {
        if (span.isRecording()) {
          span.setAttribute(A.messagingSystem, 'tristack');
          span.setAttribute(A.messagingOperationType, 'process');
          span.setAttribute(A.messagingDestination, job.name);
          span.setAttribute(A.messagingMessageId, job.id);
          span.setAttribute(A.jobAttempt, job.attempt);
        }
        const value = await run();
        outcome = 'completed';
        return value;
      },
      producer
        ? {
            parent: coreTelemetry.contextWith(trace.wrapSpanContext(producer)),
            links: [{ context: producer }],
          }
        : {},
    )
    .finally(() => {
      const attributes = {
        [A.messagingOperationType]: 'process',
        [A.messagingDestination]: job.name,
        [A.queueOutcome]: outcome,
      };
      instruments.queueJobs.add(1, attributes);
      instruments.queueProcessDuration.record((performance.now() - started) / 1000, {
        [A.messagingSystem]: 'tristack',
        ...attributes,
      });
    });
}

/** A queue name this process runs workers for, and how to count its jobs (one round trip). */
interface ObservedQueue {
  /** The driver's name (`redis`, `postgres`, `memory`): the gauge's `tristack.queue.driver`. */
  driver: string;
  /** Identifies the store the jobs live in: registrations with an equal key are read once. */
  storeKey: string;
  name: string;
  count: () => Promise<QueueStats>;
}

const observedQueues = new Set<ObservedQueue>();
/** Meter providers the depth gauge was created on (the metrics API has no proxy: one per provider). */
const depthGaugeProviders = new WeakSet<MeterProvider>();
/** The job states the gauge reports; `completed` only grows, so it is left to `stats()`. */
const DEPTH_STATES = ['waiting', 'delayed', 'active', 'failed', 'dead'] as const;
/**
 * How long one queue's count may take in a collection. Each count has its own limit, shorter than
 * the SDK's export timeout (30 s by default), so a hung store costs its own queue's reading only.
 */
const DEPTH_READ_TIMEOUT_MS = 5_000;

/** One count, never rejecting: undefined when it throws (even synchronously), rejects or takes too long. */
function readDepth(queue: ObservedQueue): Promise<QueueStats | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), DEPTH_READ_TIMEOUT_MS);
    timer.unref?.();
  });
  const counted = new Promise<QueueStats>((resolve) => resolve(queue.count())).then(
    (stats) => stats,
    () => undefined,
  );
  return Promise.race([counted, timedOut]).finally(() => clearTimeout(timer));
}

/** Creates the `tristack.queue.depth` gauge on the current meter provider, once. */
function ensureDepthGauge(): void {
  const provider = metrics.getMeterProvider();
  if (depthGaugeProviders.has(provider)) return;
  depthGaugeProviders.add(provider);
  const gauge = coreTelemetry.meter().createObservableGauge('tristack.queue.depth', {
    unit: '{job}',
    description: 'Jobs of a queue by state, read when the metric reader collects.',
  });
  gauge.addCallback(async (result) => {
    // One read per (store, name): workers of one queue, or queues sharing a store, are read once.
    const byStore = new Map<string, ObservedQueue>();
    for (const queue of observedQueues) byStore.set(`${queue.storeKey}\u0000${queue.name}`, queue);
    const reads = await Promise.all(
      [...byStore.values()].map(async (queue) => ({ queue, stats: await readDepth(queue) })),
    );
    // One series per (driver, name, state): distinct stores holding a queue of the same name add up
    // (instead of overwriting each other), without a store attribute of unbounded cardinality.
    const totals = new Map<string, { driver: string; name: string; stats: QueueStats | undefined }>();
    for (const { queue, stats } of reads) {
      const key = `${queue.driver}\u0000${queue.name}`;
      const total = totals.get(key);
      if (!total) {
        totals.set(key, { driver: queue.driver, name: queue.name, stats: stats && { ...stats } });
        continue;
      }
      // One unreadable store makes the name's sum unknown: a gap this collection, not a wrong number.
      if (!total.stats || !stats) total.stats = undefined;
      else for (const state of DEPTH_STATES) total.stats[state] += stats[state];
    }
    for (const { driver, name, stats } of totals.values()) {
      if (!stats) continue;
      for (const state of DEPTH_STATES)
        result.observe(stats[state], {
          [A.messagingDestination]: name,
          [A.jobState]: state,
          [A.queueDriver]: driver,
        });
    }
  });
}

/** Short stable ids for the objects a store key names (a client, a pool, an in-memory queue). */
const objectIds = new WeakMap<object, number>();
let nextObjectId = 0;

function storeKeyOf(store: readonly unknown[]): string {
  return JSON.stringify(
    store.map((part) => {
      if ((typeof part !== 'object' && typeof part !== 'function') || part === null) return part;
      let id = objectIds.get(part);
      if (id === undefined) objectIds.set(part, (id = ++nextObjectId));
      return { object: id };
    }),
  );
}

/**
 * Reports `name`'s depth on the `tristack.queue.depth` gauge while a worker runs it (one `count`
 * per metric collection and store, none without an SDK's metric reader). `store` identifies where
 * the jobs live (for example the client and key prefix): registrations with equal parts (objects
 * compared by identity) and the same name are read once. Returns the stop.
 */
export function observeQueueDepth(
  store: readonly unknown[],
  driver: string,
  name: string,
  count: () => Promise<QueueStats>,
): () => void {
  const entry: ObservedQueue = { driver, storeKey: storeKeyOf(store), name, count };
  observedQueues.add(entry);
  ensureDepthGauge();
  return () => observedQueues.delete(entry);
}
