import { z } from 'zod';
import { idSchema } from '../ids.js';

/** Highest priority: priorities run from 0 (the default) to 9, higher first. */
export const MAX_JOB_PRIORITY = 9;
/** Longest `delayMs` and backoff delay: one year. */
export const MAX_JOB_DELAY_MS = 365 * 24 * 60 * 60 * 1000;

const milliseconds = (minimum: number, maximum = MAX_JOB_DELAY_MS) =>
  z.number().int().min(minimum).max(maximum);

export const jobBackoffOptionsSchema = z.strictObject({
  /**
   * `exponential`: `delayMs × 2^(attempt − 1)`; `fixed`: `delayMs` every time.
   * @default 'exponential'
   */
  type: z.enum(['exponential', 'fixed']).default('exponential'),
  /** @default 1000 */
  delayMs: milliseconds(0).default(1000),
  /** Cap of one delay. @default 300000 */
  maxDelayMs: milliseconds(0).default(300_000),
  /**
   * Fraction of each delay drawn at random, so retries of many jobs failed together spread
   * out: the delay is `d × (1 − jitter × r)`, r uniform in [0, 1).
   * @default 0.2
   */
  jitter: z.number().min(0).max(1).default(0.2),
});
export type JobBackoffOptions = z.input<typeof jobBackoffOptionsSchema>;
export type ResolvedJobBackoffOptions = z.output<typeof jobBackoffOptionsSchema>;

export const jobEnqueueOptionsSchema = z.strictObject({
  /**
   * A second enqueue with the same key, name and `tenantId` returns the first job's id and adds
   * nothing. Scoped by tenant: another tenant's equal key makes a job of its own.
   */
  idempotencyKey: idSchema.optional(),
  /** Start no earlier than this many ms from now. @default 0 */
  delayMs: milliseconds(0).default(0),
  /** 0–9; a waiting job of higher priority starts before any of lower priority. @default 0 */
  priority: z.number().int().min(0).max(MAX_JOB_PRIORITY).default(0),
  /** Counts against the workers' `perTenantConcurrency` and scopes `idempotencyKey`. */
  tenantId: idSchema.optional(),
  /** Runs (first one included) before the job goes to the dead-letter stream. @default 3 */
  maxAttempts: z.number().int().min(1).max(1000).default(3),
  backoff: jobBackoffOptionsSchema.default(jobBackoffOptionsSchema.parse({})),
  /** An attempt running longer fails (its signal aborts with `TIMEOUT`). No limit by default. */
  timeoutMs: milliseconds(1).optional(),
});
export type JobEnqueueOptions = z.input<typeof jobEnqueueOptionsSchema>;
export type ResolvedJobEnqueueOptions = z.output<typeof jobEnqueueOptionsSchema>;

const callback = <Fn>(what: string) =>
  z.custom<Fn>((value) => typeof value === 'function', { message: `${what} must be a function` });

export const jobProcessOptionsSchema = z.strictObject({
  /** Handlers this worker pool runs at once. @default 1 */
  concurrency: z.number().int().min(1).max(10_000).default(1),
  /**
   * Jobs of one tenant running at once across every worker of the queue name (counted in the
   * backend, so the bound holds across processes). Unlimited by default.
   */
  perTenantConcurrency: z.number().int().min(1).max(10_000).optional(),
  /**
   * How long a job stays claimed without a heartbeat. Renewed every `leaseMs / 3` while the
   * handler runs; when a worker dies, its jobs are reclaimed after `leaseMs` and count a failed
   * attempt. Use the same value for every worker of a name.
   * @default 30000
   */
  leaseMs: milliseconds(100, 24 * 60 * 60 * 1000).default(30_000),
  /** Errors of the worker loop itself (backend down, …); the loop keeps going. @default console.warn */
  onError: callback<(error: unknown) => void>('onError').optional(),
});
export type JobProcessOptions = z.input<typeof jobProcessOptionsSchema>;
export type ResolvedJobProcessOptions = z.output<typeof jobProcessOptionsSchema>;

export const jobResultOptionsSchema = z.strictObject({
  /** @default 60000 */
  timeoutMs: milliseconds(0).default(60_000),
  /** Stops waiting (rejects `ABORTED`) when aborted. */
  signal: z.custom<AbortSignal>((value) => value instanceof AbortSignal).optional(),
});
export type JobResultOptions = z.input<typeof jobResultOptionsSchema>;

export const jobCloseOptionsSchema = z
  .strictObject({
    /** Grace period for running handlers before they are aborted and released. @default 10000 */
    timeoutMs: milliseconds(0).default(10_000),
  })
  .default({ timeoutMs: 10_000 });

export const jobDeadLettersOptionsSchema = z
  .strictObject({
    /** @default 100 */
    limit: z.number().int().min(1).max(10_000).default(100),
  })
  .default({ limit: 100 });

/** Options both drivers share. */
export const jobQueueOptionsSchema = z.strictObject({
  /** Largest payload or result, as UTF-8 JSON. @default 1048576 (1 MiB) */
  maxPayloadBytes: z
    .number()
    .int()
    .min(1)
    .max(512 * 1024 * 1024)
    .default(1024 * 1024),
  /**
   * How long a completed or cancelled job (its result and its idempotency key) is kept.
   * Dead jobs are kept until retried.
   * @default 86400000 (24 h)
   */
  resultTtlMs: milliseconds(1000).default(24 * 60 * 60 * 1000),
});
export type JobQueueOptions = z.input<typeof jobQueueOptionsSchema>;
