import { NEAR_MISS_REASONS, type SemanticCacheStats } from '@tristack/core';

/** The guard and judge counters of a tenant's stats hash (`guard:<reason>`, `judgeRejections`). */
export function rejectionCounters(
  record: Record<string, string>,
): Pick<SemanticCacheStats, 'guardRejections' | 'judgeRejections'> {
  const guardRejections = Object.fromEntries(
    NEAR_MISS_REASONS.map((reason) => [reason, Number(record[`guard:${reason}`] ?? 0)]),
  ) as SemanticCacheStats['guardRejections'];
  return { guardRejections, judgeRejections: Number(record.judgeRejections ?? 0) };
}
