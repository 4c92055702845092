import { z } from 'zod';

/** Source of time for in-memory drivers and tests. Redis drivers take time from the server instead. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A `clock` option of an in-memory driver: anything with a `now()` (a `ManualClock` in tests). */
export const clockSchema = z.custom<Clock>(
  (value) => typeof (value as Clock | undefined)?.now === 'function',
  'must be a Clock (an object with now())',
);

/** A clock that only moves when told: deterministic tests of TTLs, windows and timeouts. */
export class ManualClock implements Clock {
  private current: number;
  constructor(start = 1_700_000_000_000) {
    this.current = start;
  }
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError('ManualClock.advance: ms must be >= 0');
    this.current += ms;
  }
  set(epochMs: number): void {
    this.current = epochMs;
  }
}
