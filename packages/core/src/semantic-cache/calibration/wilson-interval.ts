/** A share of trials with its 95 % Wilson score interval. */
export interface RateEstimate {
  /** Trials that counted (hits). */
  count: number;
  total: number;
  /** `count / total` (0 when there were no trials). */
  rate: number;
  /** 95 % Wilson lower bound (0 when there were no trials). */
  low: number;
  /** 95 % Wilson upper bound (1 when there were no trials: nothing is known). */
  high: number;
}

const Z_95 = 1.959963984540054;

/**
 * The Wilson score interval: unlike `rate ± z·se`, it stays inside 0–1 and is honest at 0 and 1
 * (0 false hits in 150 trials still allows up to ~2.5 %).
 */
export function wilsonInterval(count: number, total: number, z = Z_95): RateEstimate {
  if (!Number.isInteger(count) || !Number.isInteger(total) || count < 0 || total < 0 || count > total)
    throw new RangeError(`need integers 0 ≤ count ≤ total, got ${count} / ${total}`);
  if (total === 0) return { count, total, rate: 0, low: 0, high: 1 };
  const rate = count / total;
  const z2 = z * z;
  const denominator = 1 + z2 / total;
  const centre = (rate + z2 / (2 * total)) / denominator;
  const halfWidth = (z * Math.sqrt((rate * (1 - rate)) / total + z2 / (4 * total * total))) / denominator;
  // Exact at the ends: floating point would otherwise leave 1e-17 below 0 or above 1.
  const low = count === 0 ? 0 : Math.max(0, centre - halfWidth);
  const high = count === total ? 1 : Math.min(1, centre + halfWidth);
  return { count, total, rate, low, high };
}
