import type { JobAbortCause, RunningJobAttempt } from './job-attempt.js';

/**
 * The attempts one worker runs: a slot stays taken until the handler itself settles (a handler
 * that ignores its aborted signal still occupies it), and shutdown drains within a grace period.
 */
export class JobAttemptPool<Held = undefined> {
  /** Attempts whose outcome is not recorded yet, by job id, with what the driver holds for them. */
  private readonly attempts = new Map<string, { attempt: RunningJobAttempt; held: Held }>();
  private unsettled = 0;
  private readonly idleWaiters = new Set<() => void>();

  constructor(readonly concurrency: number) {}

  /** Handlers running (not yet returned or thrown). */
  get running(): number {
    return this.unsettled;
  }

  get free(): number {
    return Math.max(0, this.concurrency - this.unsettled);
  }

  add(jobId: string, attempt: RunningJobAttempt, held: Held, onSettled: () => void): void {
    this.attempts.set(jobId, { attempt, held });
    this.unsettled++;
    void attempt.settled.then(() => {
      this.unsettled--;
      onSettled();
      if (this.unsettled === 0) for (const wake of this.idleWaiters) wake();
    });
  }

  get(jobId: string): { attempt: RunningJobAttempt; held: Held } | undefined {
    return this.attempts.get(jobId);
  }

  /** Forgets the attempt once its outcome is recorded. */
  delete(jobId: string): void {
    this.attempts.delete(jobId);
  }

  entries(): [string, { attempt: RunningJobAttempt; held: Held }][] {
    return [...this.attempts];
  }

  abortAll(cause: JobAbortCause): void {
    for (const { attempt } of this.attempts.values()) attempt.abort(cause);
  }

  /** Resolves true once every handler has settled, false after `timeoutMs` if some have not. */
  drain(timeoutMs: number): Promise<boolean> {
    if (this.unsettled === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (value: boolean) => {
        clearTimeout(timer);
        this.idleWaiters.delete(wake);
        resolve(value);
      };
      const wake = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.idleWaiters.add(wake);
    });
  }
}
