/** A call that outlived its limiter's `timeoutMs`. */
export class TimeoutError extends Error {}

interface Watched {
  readonly deadline: number;
  readonly reject: (error: Error) => void;
  settled: boolean;
}

/**
 * Times out calls with one timer for all of them, not one per call: every call gets the same
 * timeout, so deadlines fall in call order and the oldest unsettled call is the only one the timer
 * needs to wait for. A settled call is skipped when the timer reaches it.
 */
export class DeadlineWatch {
  private readonly queue: Watched[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly timeoutMs: number) {}

  /** `work`, or a `TimeoutError` when it takes longer than the timeout. */
  watch<T>(work: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const watched: Watched = { deadline: performance.now() + this.timeoutMs, reject, settled: false };
      this.queue.push(watched);
      if (this.timer === undefined) this.arm();
      work.then(
        (value) => {
          watched.settled = true;
          resolve(value);
        },
        (error: unknown) => {
          watched.settled = true;
          reject(error);
        },
      );
    });
  }

  /** Waits for the oldest unsettled call's deadline; forgets settled calls on the way. */
  private arm(): void {
    const queue = this.queue;
    while (this.head < queue.length && queue[this.head]!.settled) this.head++;
    if (this.head === queue.length) {
      queue.length = 0;
      this.head = 0;
      this.timer = undefined;
      return;
    }
    if (this.head > 1024 && this.head * 2 > queue.length) {
      queue.splice(0, this.head);
      this.head = 0;
    }
    const wait = Math.max(0, queue[this.head]!.deadline - performance.now());
    // Unreferenced: it outlives the calls it watched by up to timeoutMs, and must not hold an
    // idle process open (the connection a pending call waits on does that).
    this.timer = setTimeout(() => this.expire(), Math.ceil(wait));
    this.timer.unref?.();
  }

  private expire(): void {
    const now = performance.now();
    const queue = this.queue;
    while (this.head < queue.length) {
      const watched = queue[this.head]!;
      if (!watched.settled) {
        if (watched.deadline > now) break;
        watched.settled = true;
        watched.reject(new TimeoutError());
      }
      this.head++;
    }
    this.arm();
  }
}
