import { AbortedError, TristackError } from '../errors.js';
import type { JobContext, JobHandler, JobJsonValue } from './job-queue.js';
import { serializeJobJson } from './job-json.js';
import { tracedAttempt } from './job-telemetry.js';

/** How one attempt ended, as the worker must record it. */
export type JobAttemptOutcome =
  | { kind: 'completed'; resultJson: string }
  | { kind: 'failed'; error: string }
  | { kind: 'cancelled'; reason: string | undefined }
  /** Shutdown past the grace period: give the job back, the attempt does not count. */
  | { kind: 'released' }
  /** Another worker owns the job now (lease expired): record nothing. */
  | { kind: 'lost' };

/** Why a worker aborts a running job; becomes the handler's `signal.reason`. */
export type JobAbortCause =
  { kind: 'cancelled'; reason: string | undefined } | { kind: 'released' } | { kind: 'lost' };

export interface RunningJobAttempt {
  /** Settles at the first of: the handler settling, its timeout, `abort()`. Never rejects. */
  readonly outcome: Promise<JobAttemptOutcome>;
  /** Settles when the handler itself has returned or thrown (it may outlive `outcome`). */
  readonly settled: Promise<void>;
  abort(cause: JobAbortCause): void;
}

const MAX_ERROR_LENGTH = 4096;

/** The message recorded for a failed attempt: `Name: message`, bounded. */
export function describeJobError(error: unknown): string {
  const text =
    error instanceof Error
      ? `${error.name}: ${error.message}`
      : typeof error === 'string'
        ? error
        : (() => {
            try {
              return JSON.stringify(error) ?? String(error);
            } catch {
              return String(error);
            }
          })();
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH)}…` : text;
}

function abortReason(cause: JobAbortCause | 'timeout', timeoutMs: number | undefined, driver: string): Error {
  if (cause === 'timeout')
    return new TristackError('TIMEOUT', `job timed out after ${timeoutMs} ms`, { driver });
  switch (cause.kind) {
    case 'cancelled':
      return new AbortedError(`job cancelled${cause.reason ? `: ${cause.reason}` : ''}`, {
        driver,
        details: { reason: cause.reason },
      });
    case 'released':
      return new AbortedError('worker shut down before the job finished; it was released', {
        driver,
      });
    case 'lost':
      return new TristackError('LEASE_LOST', 'the job lease expired and another worker took the job', {
        driver,
      });
  }
}

/**
 * Runs one attempt of a job with an AbortSignal, an optional timeout and result validation.
 * Both drivers' workers use it, so handlers see the same contract everywhere.
 */
export function runJobAttempt<Payload, Result>(
  handler: JobHandler<Payload, Result>,
  job: Omit<JobContext<Payload>, 'signal'>,
  options: {
    timeoutMs: number | undefined;
    maxResultBytes: number;
    driver: string;
    /** The `traceparent` stored with the job (`NewJob.traceparent`): the attempt's span continues that trace. */
    traceparent?: string | undefined;
  },
): RunningJobAttempt {
  const controller = new AbortController();
  let finish!: (outcome: JobAttemptOutcome) => void;
  const outcome = new Promise<JobAttemptOutcome>((resolve) => (finish = resolve));
  let done = false;
  const settle = (value: JobAttemptOutcome) => {
    if (done) return;
    done = true;
    if (timer) clearTimeout(timer);
    finish(value);
  };
  const timer =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          controller.abort(abortReason('timeout', options.timeoutMs, options.driver));
          settle({ kind: 'failed', error: `job timed out after ${options.timeoutMs} ms` });
        }, options.timeoutMs);
  const context: JobContext<Payload> = Object.freeze({ ...job, signal: controller.signal });
  const settled = (async () => {
    try {
      const value = await tracedAttempt(job, options.traceparent, async () => handler(context));
      if (done) return;
      let resultJson: string;
      try {
        resultJson = serializeJobJson(value === undefined ? null : (value as JobJsonValue), {
          what: 'job result',
          maxBytes: options.maxResultBytes,
          driver: options.driver,
        });
      } catch (error) {
        return settle({ kind: 'failed', error: describeJobError(error) });
      }
      settle({ kind: 'completed', resultJson });
    } catch (error) {
      settle({ kind: 'failed', error: describeJobError(error) });
    }
  })();
  return {
    outcome,
    settled,
    abort(cause) {
      if (done) return;
      controller.abort(abortReason(cause, options.timeoutMs, options.driver));
      settle(cause);
    },
  };
}
