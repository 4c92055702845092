import { describe, expect, it } from 'vitest';
import { wilsonInterval } from './wilson-interval.js';

describe('wilsonInterval', () => {
  it('matches published values', () => {
    // 81 of 263 (Wilson 1927 / Newcombe 1998 worked example): 0.2553–0.3662.
    const estimate = wilsonInterval(81, 263);
    expect(estimate.rate).toBeCloseTo(0.30798, 4);
    expect(estimate.low).toBeCloseTo(0.2553, 3);
    expect(estimate.high).toBeCloseTo(0.3662, 3);
  });

  it('is exact at the ends and never leaves 0–1', () => {
    expect(wilsonInterval(0, 150)).toMatchObject({ rate: 0, low: 0 });
    // The "rule of three" neighbourhood: 0 of 150 still allows about 2.5 %.
    expect(wilsonInterval(0, 150).high).toBeCloseTo(0.025, 3);
    expect(wilsonInterval(150, 150)).toMatchObject({ rate: 1, high: 1 });
    expect(wilsonInterval(0, 0)).toEqual({ count: 0, total: 0, rate: 0, low: 0, high: 1 });
  });

  it('narrows as the sample grows', () => {
    const small = wilsonInterval(5, 10);
    const large = wilsonInterval(500, 1000);
    expect(large.high - large.low).toBeLessThan(small.high - small.low);
    expect(small.low).toBeLessThan(0.5);
    expect(small.high).toBeGreaterThan(0.5);
  });

  it('rejects impossible counts', () => {
    expect(() => wilsonInterval(3, 2)).toThrow(RangeError);
    expect(() => wilsonInterval(-1, 2)).toThrow(RangeError);
    expect(() => wilsonInterval(0.5, 2)).toThrow(RangeError);
  });
});
