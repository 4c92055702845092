/** Outcomes of one breaker name waiting to be written together. */
export interface OutcomeBatch {
  successes: number;
  failures: number;
  /** Failures after the batch's last success: the fleet-wide run continues from here. */
  trailingFailures: number;
  hadSuccess: boolean;
}

interface Pending extends OutcomeBatch {
  written: Promise<void>;
  resolve: () => void;
  timer: ReturnType<typeof setTimeout> | undefined;
  due: number;
}

/**
 * Coalesces outcomes per name into one script call. A success waits at most `intervalMs` (the
 * closed path stays free of round trips); a failure is written at once, carrying the successes
 * before it, because it may trip the breaker. At most one write per name is in flight; outcomes
 * arriving meanwhile form the next batch.
 */
export class OutcomeBatcher {
  private readonly pending = new Map<string, Pending>();
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(
    private readonly intervalMs: number,
    /** Writes one batch; must not reject. */
    private readonly write: (name: string, batch: OutcomeBatch) => Promise<void>,
  ) {}

  /** Resolves once the batch holding this outcome was written (or given up on). */
  add(name: string, verdict: 'success' | 'failure'): Promise<void> {
    let batch = this.pending.get(name);
    if (!batch) {
      let resolve!: () => void;
      const written = new Promise<void>((settle) => (resolve = settle));
      batch = {
        successes: 0,
        failures: 0,
        trailingFailures: 0,
        hadSuccess: false,
        written,
        resolve,
        timer: undefined,
        due: Infinity,
      };
      this.pending.set(name, batch);
    }
    if (verdict === 'success') {
      batch.successes += 1;
      batch.hadSuccess = true;
      batch.trailingFailures = 0;
    } else {
      batch.failures += 1;
      batch.trailingFailures += 1;
    }
    this.schedule(name, batch, verdict === 'failure' ? 0 : this.intervalMs);
    return batch.written;
  }

  /** Writes everything pending now (close, tests). */
  async flushAll(): Promise<void> {
    await Promise.all([...this.pending.keys()].map((name) => this.flush(name)));
    await Promise.all(this.inFlight.values());
  }

  private schedule(name: string, batch: Pending, delayMs: number): void {
    const due = Date.now() + delayMs;
    if (batch.timer !== undefined && batch.due <= due) return;
    if (batch.timer !== undefined) clearTimeout(batch.timer);
    batch.due = due;
    batch.timer = setTimeout(() => void this.flush(name), delayMs);
    // A pending write must not keep the process alive on its own.
    batch.timer.unref?.();
  }

  private async flush(name: string): Promise<void> {
    for (let running = this.inFlight.get(name); running; running = this.inFlight.get(name)) await running;
    const batch = this.pending.get(name);
    if (!batch) return;
    this.pending.delete(name);
    clearTimeout(batch.timer);
    const { successes, failures, trailingFailures, hadSuccess } = batch;
    const run = this.write(name, { successes, failures, trailingFailures, hadSuccess }).finally(() => {
      batch.resolve();
      if (this.inFlight.get(name) === run) this.inFlight.delete(name);
    });
    this.inFlight.set(name, run);
    await run;
  }
}
