import { describe, expect, it } from 'vitest';
import type { Embedder } from '../embedder.js';
import { evaluatePairs } from './evaluate-pairs.js';
import { formatCalibrationTable } from './format-calibration-table.js';
import type { LabelledPair } from './labelled-pair.js';

// Texts are numbers: the vector of "0.9" is at the angle whose cosine with "1" is 0.9.
const embedder: Embedder = {
  id: 'fake/2',
  dimensions: 2,
  embed: async (texts) => texts.map((text) => [Number(text), Math.sqrt(1 - Number(text) ** 2)]),
};
const pairs: LabelledPair[] = [
  { id: '1', label: 'paraphrase', kind: 'typo', a: '1', b: '0.95' },
  { id: '2', label: 'paraphrase', kind: 'verbose', a: '1', b: '0.8' },
  { id: '3', label: 'near-miss', kind: 'time', a: '1', b: '0.85' },
];

describe('formatCalibrationTable', () => {
  it('prints thresholds with intervals, hit rates per kind, the focus threshold and the recommendation', async () => {
    const report = await evaluatePairs({ pairs, embedder, thresholds: [0.8, 0.9] });
    const table = formatCalibrationTable(report, {
      title: 'demo',
      focusThreshold: 0.9,
      maxFalseHitRate: 0.01,
    });
    const lines = table.split('\n');
    expect(lines[0]).toBe('demo');
    expect(table).toContain('embedder fake/2 · guard off · 2 paraphrases · 1 near-misses');
    expect(lines.find((line) => line.startsWith('0.80 '))).toMatch(
      /100\.0% \[\d+\.\d%–100\.0%\] 2\/2 +100\.0% .* 1\/1/,
    );
    expect(lines.find((line) => line.startsWith('0.90 '))).toMatch(
      /50\.0% .* 1\/2 +0\.0% \[0\.0%–\d+\.\d%\] 0\/1/,
    );
    expect(lines.find((line) => line.startsWith('verbose'))).toMatch(/paraphrase +1 +100\.0% +0\.0%$/);
    expect(table).toContain('per kind at threshold 0.90:');
    expect(table).toMatch(
      /recommended for false hits ≤ 1\.0% \(point estimate\): threshold 0\.90 · recall 50\.0% · false hits 0\.0% \(95% upper bound \d+\.\d%\)/,
    );
  });

  it('says when no threshold meets the target', async () => {
    const report = await evaluatePairs({ pairs, embedder, thresholds: [0.8] });
    expect(formatCalibrationTable(report, { maxFalseHitRate: 0.01 })).toContain(
      'no threshold in the report keeps false hits ≤ 1.0%',
    );
  });
});
