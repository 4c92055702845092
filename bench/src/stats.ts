/** Percentile of an ascending-sorted sample (nearest rank). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export interface Measurement {
  name: string;
  operations: number;
  seconds: number;
  opsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export function summarize(name: string, latenciesMs: number[], seconds: number): Measurement {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return {
    name,
    operations: sorted.length,
    seconds,
    opsPerSecond: sorted.length / seconds,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
  };
}
