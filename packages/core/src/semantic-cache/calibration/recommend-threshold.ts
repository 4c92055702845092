import type { CalibrationReport, ThresholdResult } from './evaluate-pairs.js';

export interface RecommendThresholdOptions {
  /** Largest acceptable share of near-misses that hit, 0–1 (e.g. 0.01). */
  maxFalseHitRate: number;
  /**
   * What must stay at or under the target: the measured rate (`'point'`, the default) or its 95 %
   * Wilson upper bound (`'upper'`: stricter, and with few near-misses often unreachable, since 0
   * false hits in n pairs still has an upper bound of about 3.8 / n).
   */
  basis?: 'point' | 'upper';
}

/**
 * The lowest threshold of the report whose false-hit rate stays at or under the target on the
 * given pairs, or `undefined` when none does. The lowest is the one with the most recall: raising
 * the threshold never adds a hit (the guard's verdict does not depend on it). A threshold at which
 * no paraphrase hits is never recommended (a cache that serves nothing meets any false-hit target):
 * `undefined` then too. Choose it on a tuning set and check it on pairs it was not chosen on.
 */
export function recommendThreshold(
  report: CalibrationReport,
  options: RecommendThresholdOptions,
): ThresholdResult | undefined {
  const { maxFalseHitRate, basis = 'point' } = options;
  if (!(maxFalseHitRate >= 0 && maxFalseHitRate <= 1))
    throw new RangeError(`maxFalseHitRate must be within 0–1, got ${maxFalseHitRate}`);
  return [...report.thresholds]
    .sort((left, right) => left.threshold - right.threshold)
    .find(
      (result) =>
        result.recall.count > 0 &&
        (basis === 'upper' ? result.falseHitRate.high : result.falseHitRate.rate) <= maxFalseHitRate,
    );
}
