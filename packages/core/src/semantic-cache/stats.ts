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
  };
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
