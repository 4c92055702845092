import type { SemanticCache } from '@tristack/core';
import type { LabelledPair, PairCategory } from './semantic-cache-pairs.js';

/** A labelled pair with the similarity a cache measured between its two questions. */
export interface MeasuredPair extends LabelledPair {
  similarity: number;
}

/**
 * Measures every pair through a real cache: the first question is stored in a tenant of its own,
 * the second looked up at threshold 0, which returns the nearest entry's similarity as the backend
 * computes it (quantisation and index included). Hit at threshold t ⇔ similarity ≥ t.
 */
export async function measurePairs(
  cache: SemanticCache,
  pairs: readonly LabelledPair[],
): Promise<MeasuredPair[]> {
  const tenantOf = (index: number) => `quality-${index}`;
  const request = (tenant: string, text: string) => ({
    tenant,
    model: 'quality',
    messages: [{ role: 'user', content: text }],
  });
  await Promise.all(
    pairs.map((pair, index) => cache.store(request(tenantOf(index), pair.first), { content: pair.first })),
  );
  return Promise.all(
    pairs.map(async (pair, index) => {
      const result = await cache.lookup(request(tenantOf(index), pair.second), { threshold: 0 });
      if (!result.hit || result.kind !== 'semantic')
        throw new Error(`expected a semantic hit at threshold 0 for "${pair.second}"`);
      return { ...pair, similarity: result.similarity };
    }),
  );
}

export interface QualityRow {
  threshold: number;
  /** Share of paraphrases that hit, per category and overall. */
  hitRate: Partial<Record<PairCategory, number>> & { all: number };
  /** Share of look-alikes that hit (wrong answers), per category and overall. */
  falseHitRate: Partial<Record<PairCategory, number>> & { all: number };
  /** Share of all hits that were right (1 when nothing hit). Recall is `hitRate.all`. */
  precision: number;
}

export function qualityTable(measured: readonly MeasuredPair[], thresholds: readonly number[]): QualityRow[] {
  const rate = (pairs: readonly MeasuredPair[], threshold: number) =>
    pairs.length ? pairs.filter((pair) => pair.similarity >= threshold).length / pairs.length : 0;
  const categories = [...new Set(measured.map((pair) => pair.category))];
  return thresholds.map((threshold) => {
    const row: QualityRow = { threshold, hitRate: { all: 0 }, falseHitRate: { all: 0 }, precision: 1 };
    for (const category of categories) {
      const pairs = measured.filter((pair) => pair.category === category);
      (pairs[0]!.shouldHit ? row.hitRate : row.falseHitRate)[category] = rate(pairs, threshold);
    }
    row.hitRate.all = rate(
      measured.filter((pair) => pair.shouldHit),
      threshold,
    );
    row.falseHitRate.all = rate(
      measured.filter((pair) => !pair.shouldHit),
      threshold,
    );
    const hits = measured.filter((pair) => pair.similarity >= threshold);
    if (hits.length) row.precision = hits.filter((pair) => pair.shouldHit).length / hits.length;
    return row;
  });
}

const percent = (value: number | undefined) => `${((value ?? 0) * 100).toFixed(1)}%`.padStart(6);

/** A Markdown table of hit and false-hit rates by threshold. */
export function formatQualityTable(rows: readonly QualityRow[], title: string): string {
  const hitColumns: PairCategory[] = ['paraphrase-surface', 'paraphrase-reworded'];
  const falseColumns: PairCategory[] = ['entity', 'number', 'negation', 'direction'];
  const lines = [
    title,
    '',
    '| threshold | hit: surface | hit: reworded | **hit: all (recall)** | false: entity | false: number | false: negation | false: direction | **false: all** | precision |',
    '| --------: | -----------: | ------------: | --------------------: | ------------: | ------------: | --------------: | ---------------: | -------------: | --------: |',
  ];
  for (const row of rows) {
    lines.push(
      `| ${row.threshold.toFixed(2)} | ${hitColumns.map((column) => percent(row.hitRate[column])).join(' | ')} | ${percent(row.hitRate.all)} | ` +
        `${falseColumns.map((column) => percent(row.falseHitRate[column])).join(' | ')} | ${percent(row.falseHitRate.all)} | ${percent(row.precision)} |`,
    );
  }
  return lines.join('\n');
}
