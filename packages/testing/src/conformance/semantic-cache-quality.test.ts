import { InMemorySemanticCache } from '@tristack/core';
import { describe, expect, it } from 'vitest';
import { semanticCachePairs } from './semantic-cache-pairs.js';
import { formatQualityTable, measurePairs, qualityTable } from './semantic-cache-quality.js';

const THRESHOLDS = [0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95];
const DEFAULT_THRESHOLD = 0.9;

describe('semantic cache hit quality with the default local embedder', () => {
  it('reports hit and false-hit rates by threshold; false hits at the default threshold stay at most 2%', async () => {
    expect(semanticCachePairs.length).toBeGreaterThanOrEqual(300);
    const measured = await measurePairs(new InMemorySemanticCache({ guard: false }), semanticCachePairs);
    for (const split of ['all', 'dev', 'test'] as const) {
      const pairs = split === 'all' ? measured : measured.filter((pair) => pair.split === split);
      console.log(
        formatQualityTable(
          qualityTable(pairs, THRESHOLDS),
          `LocalNgramEmbedder, InMemorySemanticCache — ${split} pairs (${pairs.length})`,
        ),
      );
    }
    const rows = qualityTable(measured, THRESHOLDS);
    // A higher threshold only trades hits for fewer false hits.
    for (let index = 1; index < rows.length; index++) {
      expect(rows[index]!.hitRate.all).toBeLessThanOrEqual(rows[index - 1]!.hitRate.all);
      expect(rows[index]!.falseHitRate.all).toBeLessThanOrEqual(rows[index - 1]!.falseHitRate.all);
    }
    const [atDefault] = qualityTable(measured, [DEFAULT_THRESHOLD]);
    // The bound: a cache exists to not change answers. 2% of 184 look-alikes is 3 wrong answers;
    // the embedder measures 1 (0.5%), so the bound holds with room for float differences but fails
    // if numbers, negations or entities stop moving the vector (they are 160 of the 184 pairs).
    expect(atDefault!.falseHitRate.all).toBeLessThanOrEqual(0.02);
    for (const category of ['number', 'negation', 'direction'] as const)
      expect(atDefault!.falseHitRate[category]).toBe(0);
    // And the cache is worth having: most rewordings that keep the key words hit.
    expect(atDefault!.hitRate['paraphrase-surface']).toBeGreaterThanOrEqual(0.6);
  });

  it('decides hits at the default threshold exactly as the measured similarities say', async () => {
    const measured = await measurePairs(new InMemorySemanticCache({ guard: false }), semanticCachePairs);
    const cache = new InMemorySemanticCache({ name: 'at-default', guard: false });
    const outcomes = await Promise.all(
      measured.map(async (pair, index) => {
        const request = (text: string) => ({
          tenant: `q-${index}`,
          model: 'm',
          messages: [{ role: 'user', content: text }],
        });
        await cache.store(request(pair.first), { content: pair.first });
        return (await cache.lookup(request(pair.second))).hit;
      }),
    );
    expect(cache.semanticTier.available).toBe(true);
    expect(outcomes).toEqual(measured.map((pair) => pair.similarity >= DEFAULT_THRESHOLD));
  });
});
