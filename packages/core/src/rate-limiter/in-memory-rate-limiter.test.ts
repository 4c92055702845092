import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { InMemoryRateLimiter } from './in-memory-rate-limiter.js';
import type { RateLimitRuleInput } from './rate-limiter.js';

/** Deterministic pseudo-random numbers (mulberry32): the same traffic on every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random traffic for `durationMs`: returns what was admitted, as [time, cost]. */
async function drive(
  rule: RateLimitRuleInput,
  seed: number,
  durationMs: number,
): Promise<[number, number][]> {
  const clock = new ManualClock(1_700_000_000_000);
  const limiter = new InMemoryRateLimiter({ clock, limits: [rule] });
  const next = random(seed);
  const admitted: [number, number][] = [];
  const end = clock.now() + durationMs;
  while (clock.now() < end) {
    const cost = 1 + Math.floor(next() * 4);
    if ((await limiter.limit('k', { cost })).allowed) admitted.push([clock.now(), cost]);
    clock.advance(Math.floor(next() * 40));
  }
  return admitted;
}

describe('InMemoryRateLimiter algorithms under random traffic', () => {
  const windowMs = 1_000;
  const limit = 20;

  it('sliding window: no span of one window ever holds more than the limit (no boundary burst)', async () => {
    for (const seed of [1, 2, 3]) {
      const admitted = await drive(
        { name: 'r', algorithm: 'sliding-window', limit, windowMs, segments: 5 },
        seed,
        10_000,
      );
      expect(admitted.length).toBeGreaterThan(0);
      for (const [start] of admitted) {
        const inSpan = admitted.filter(([time]) => time >= start && time < start + windowMs);
        expect(inSpan.reduce((sum, [, cost]) => sum + cost, 0)).toBeLessThanOrEqual(limit);
      }
    }
  });

  it('fixed window: no window holds more than the limit, but a boundary can see two windows back to back', async () => {
    let boundaryBurst = 0;
    for (const seed of [1, 2, 3]) {
      const admitted = await drive({ name: 'r', algorithm: 'fixed-window', limit, windowMs }, seed, 10_000);
      const perWindow = new Map<number, number>();
      for (const [time, cost] of admitted) {
        const window = Math.floor(time / windowMs);
        perWindow.set(window, (perWindow.get(window) ?? 0) + cost);
      }
      for (const used of perWindow.values()) expect(used).toBeLessThanOrEqual(limit);
      for (const [start] of admitted) {
        const inSpan = admitted.filter(([time]) => time >= start && time < start + windowMs);
        boundaryBurst = Math.max(
          boundaryBurst,
          inSpan.reduce((sum, [, cost]) => sum + cost, 0),
        );
      }
    }
    // The weakness the sliding window exists for.
    expect(boundaryBurst).toBeGreaterThan(limit);
  });

  it('token bucket: any stretch of time admits at most the burst plus what refilled in it', async () => {
    const burst = 10;
    for (const seed of [1, 2, 3]) {
      const admitted = await drive(
        { name: 'r', algorithm: 'token-bucket', limit, windowMs, burst },
        seed,
        10_000,
      );
      for (let first = 0; first < admitted.length; first++) {
        let sum = 0;
        for (let last = first; last < admitted.length; last++) {
          sum += admitted[last]![1];
          const refilled = ((admitted[last]![0] - admitted[first]![0]) * limit) / windowMs;
          expect(sum).toBeLessThanOrEqual(burst + refilled + 1e-9);
        }
      }
    }
  });

  it.each([
    { name: 'r', algorithm: 'sliding-window', limit: 5, windowMs: 1_000, segments: 4 },
    { name: 'r', algorithm: 'fixed-window', limit: 5, windowMs: 1_000 },
    { name: 'r', algorithm: 'fixed-window', limit: 5, windowMs: 1_000, anchor: 'first-hit' },
    { name: 'r', algorithm: 'token-bucket', limit: 5, windowMs: 1_000, burst: 3 },
  ] satisfies RateLimitRuleInput[])(
    '$algorithm $anchor: retryAfterMs is exact to the millisecond',
    async (rule) => {
      const clock = new ManualClock(1_700_000_000_123);
      const limiter = new InMemoryRateLimiter({ clock, limits: [rule] });
      const next = random(7);
      let checked = 0;
      for (let step = 0; step < 300; step++) {
        const cost = 1 + Math.floor(next() * 3);
        const result = await limiter.limit('k', { cost });
        if (!result.allowed) {
          const wait = result.retryAfterMs;
          clock.advance(wait - 1);
          expect((await limiter.peek('k', { cost })).allowed, `${wait - 1} ms after a denial`).toBe(false);
          clock.advance(1);
          expect((await limiter.peek('k', { cost })).allowed, `${wait} ms after a denial`).toBe(true);
          checked++;
        }
        clock.advance(Math.floor(next() * 60));
      }
      expect(checked).toBeGreaterThan(10);
    },
  );
});

describe('InMemoryRateLimiter reconcile', () => {
  it('drops a refund for a fixed window that has ended, instead of freeing room in the new one', async () => {
    const clock = new ManualClock();
    const limiter = new InMemoryRateLimiter({
      clock,
      limits: [{ name: 'r', algorithm: 'fixed-window', limit: 10, windowMs: 1_000, anchor: 'first-hit' }],
    });
    const reserved = await limiter.limit('k', { cost: 8 });
    clock.advance(1_500);
    await limiter.limit('k', { cost: 9 });
    const after = await limiter.reconcile('k', { reserved: 8, actual: 1, checkedAt: reserved.checkedAt });
    expect(after.remaining).toBe(1);
  });

  it('gives a sliding-window refund back to the segment that was charged, and nothing once it expired', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const limiter = new InMemoryRateLimiter({
      clock,
      limits: [{ name: 'r', algorithm: 'sliding-window', limit: 10, windowMs: 1_000, segments: 10 }],
    });
    const early = await limiter.limit('k', { cost: 6 });
    clock.advance(500);
    const late = await limiter.limit('k', { cost: 4 });
    const refunded = await limiter.reconcile('k', { reserved: 6, actual: 2, checkedAt: early.checkedAt });
    expect(refunded.remaining).toBe(4);
    // The early segment (now holding 2) expires first: room comes back in two steps.
    clock.advance(600);
    expect((await limiter.peek('k', { cost: 0 })).remaining).toBe(6);
    clock.advance(500);
    expect((await limiter.peek('k', { cost: 0 })).remaining).toBe(10);
    // A refund for a segment that has expired changes nothing.
    await limiter.limit('k', { cost: 5 });
    const stale = await limiter.reconcile('k', { reserved: 4, actual: 0, checkedAt: late.checkedAt });
    expect(stale.remaining).toBe(5);
  });

  it('refills a token bucket by a refund, never past its capacity', async () => {
    const clock = new ManualClock();
    const limiter = new InMemoryRateLimiter({
      clock,
      limits: [{ name: 'r', algorithm: 'token-bucket', limit: 100, windowMs: 60_000 }],
    });
    await limiter.limit('k', { cost: 30 });
    expect((await limiter.reconcile('k', { reserved: 30, actual: 10 })).remaining).toBe(90);
    expect((await limiter.reconcile('k', { reserved: 500, actual: 0 })).remaining).toBe(100);
  });
});
