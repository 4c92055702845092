import { emptyRejections, type NearMissReason } from './near-miss-guard/near-miss-guard.js';
import type { SemanticCacheStats } from './types.js';

export function emptyStats(): SemanticCacheStats {
  return {
    lookups: 0,
    exactHits: 0,
    semanticHits: 0,
    misses: 0,
    stores: 0,
    skippedStores: 0,
    tokensSaved: 0,
    costSavedUsd: 0,
    guardRejections: emptyRejections(),
    judgeRejections: 0,
  };
}

/** A copy that shares no object with `stats` (its rejection counters are a record). */
export function copyStats(stats: SemanticCacheStats): SemanticCacheStats {
  return { ...stats, guardRejections: { ...stats.guardRejections } };
}

/** Counts candidates the guard (by reason) or the judge turned down. */
export function countRejections(
  stats: SemanticCacheStats,
  rejections: readonly (NearMissReason | 'judge')[],
): void {
  for (const reason of rejections) {
    if (reason === 'judge') stats.judgeRejections++;
    else stats.guardRejections[reason]++;
  }
}

/** Counts one lookup outcome into `stats`. */
export function countLookup(
  stats: SemanticCacheStats,
  outcome: { kind: 'exact' | 'semantic'; tokens: number; costUsd: number } | 'miss',
): void {
  stats.lookups++;
  if (outcome === 'miss') {
    stats.misses++;
    return;
  }
  if (outcome.kind === 'exact') stats.exactHits++;
  else stats.semanticHits++;
  stats.tokensSaved += outcome.tokens;
  stats.costSavedUsd += outcome.costUsd;
}
