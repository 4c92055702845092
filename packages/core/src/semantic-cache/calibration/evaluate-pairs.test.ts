import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../errors.js';
import type { Embedder } from '../embedder.js';
import { evaluatePairs } from './evaluate-pairs.js';
import type { LabelledPair } from './labelled-pair.js';
import { recommendThreshold } from './recommend-threshold.js';

/**
 * A fake embedder whose vectors are chosen per text: a text maps to the unit vector at the given
 * angle, so the cosine of two texts is cos(angle difference), known exactly in advance.
 */
function fakeEmbedder(angles: Record<string, number>, calls: string[][] = []): Embedder {
  return {
    id: 'fake/2',
    dimensions: 2,
    async embed(texts) {
      calls.push([...texts]);
      return texts.map((text) => {
        const angle = angles[text];
        if (angle === undefined) throw new Error(`no vector for "${text}"`);
        return [Math.cos(angle), Math.sin(angle)];
      });
    },
  };
}
const angleFor = (similarity: number) => Math.acos(similarity);

// a texts at angle 0; each b text at the angle that gives the wanted similarity.
const pairs: LabelledPair[] = [
  { id: 'p1', label: 'paraphrase', kind: 'typo', a: 'A1', b: 'B1' },
  { id: 'p2', label: 'paraphrase', kind: 'typo', a: 'A2', b: 'B2' },
  { id: 'p3', label: 'paraphrase', kind: 'synonym', a: 'A3', b: 'B3' },
  { id: 'n1', label: 'near-miss', kind: 'number', a: 'A4', b: 'B4' },
  { id: 'n2', label: 'near-miss', kind: 'entity', a: 'A5', b: 'B5' },
];
const similarities = { B1: 0.95, B2: 0.85, B3: 0.7, B4: 0.92, B5: 0.8 };
const angles: Record<string, number> = Object.fromEntries([
  ...['A1', 'A2', 'A3', 'A4', 'A5'].map((text) => [text, 0]),
  ...Object.entries(similarities).map(([text, similarity]) => [text, angleFor(similarity)]),
]);

describe('evaluatePairs', () => {
  it('counts a hit when similarity reaches the threshold, per label and per kind', async () => {
    const report = await evaluatePairs({
      pairs,
      embedder: fakeEmbedder(angles),
      thresholds: [0.9, 0.8, 0.99],
    });
    expect(report.thresholds.map((result) => result.threshold)).toEqual([0.8, 0.9, 0.99]);
    expect(report.pairs.map((pair) => pair.similarity)).toEqual([0.95, 0.85, 0.7, 0.92, 0.8]);
    const [at08, at09, at099] = report.thresholds;
    expect([at08!.recall.count, at08!.recall.total]).toEqual([2, 3]);
    // 0.8 ≥ 0.8: the boundary counts as a hit, like the cache.
    expect([at08!.falseHitRate.count, at08!.falseHitRate.total]).toEqual([2, 2]);
    expect([at09!.recall.count, at09!.falseHitRate.count]).toEqual([1, 1]);
    expect([at099!.recall.count, at099!.falseHitRate.count]).toEqual([0, 0]);
    expect(at09!.byKind.map(({ kind, label, count, total }) => [kind, label, count, total])).toEqual([
      ['typo', 'paraphrase', 1, 2],
      ['synonym', 'paraphrase', 0, 1],
      ['entity', 'near-miss', 0, 1],
      ['number', 'near-miss', 1, 1],
    ]);
    expect(report.kinds).toEqual([
      { kind: 'typo', label: 'paraphrase', total: 2 },
      { kind: 'synonym', label: 'paraphrase', total: 1 },
      { kind: 'entity', label: 'near-miss', total: 1 },
      { kind: 'number', label: 'near-miss', total: 1 },
    ]);
    expect(at09!.recall.low).toBeGreaterThan(0);
    expect(at09!.recall.high).toBeLessThan(1);
    expect(report.guarded).toBe(false);
  });

  it('lets the guard veto a hit, checking (stored a, query b) and counting the vetoes', async () => {
    const checked: [string, string][] = [];
    const guard = {
      check(stored: string, query: string) {
        checked.push([stored, query]);
        return query === 'B4' ? { accept: false, reason: 'number' } : { accept: true };
      },
    };
    const report = await evaluatePairs({
      pairs,
      embedder: fakeEmbedder(angles),
      guard,
      thresholds: [0.8, 0.9],
    });
    expect(checked).toEqual(pairs.map((pair) => [pair.a, pair.b]));
    const [at08, at09] = report.thresholds;
    expect(at08!.falseHitRate.count).toBe(1);
    expect(at09!.falseHitRate.count).toBe(0);
    // The veto is counted only where the similarity alone would have hit.
    expect(at09!.guardRejected).toEqual({ paraphrase: 0, nearMiss: 1 });
    expect(report.pairs.find((pair) => pair.id === 'n1')!.guard).toEqual({ accept: false, reason: 'number' });
    expect(report.guarded).toBe(true);
  });

  it('embeds each distinct text once, in batches of batchSize, normalised like a match text', async () => {
    const calls: string[][] = [];
    const shared: LabelledPair[] = [
      { id: 'x', label: 'paraphrase', kind: 'typo', a: '  A1 ', b: 'B1' },
      { id: 'y', label: 'near-miss', kind: 'number', a: 'A1', b: 'B4' },
    ];
    await evaluatePairs({
      pairs: shared,
      embedder: fakeEmbedder(angles, calls),
      thresholds: [0.5],
      batchSize: 2,
    });
    expect(calls).toEqual([['A1', 'B1'], ['B4']]);
  });

  it('rejects empty texts, unknown thresholds and a kind labelled both ways, before embedding', async () => {
    const calls: string[][] = [];
    const embedder = fakeEmbedder(angles, calls);
    const base = pairs[0]!;
    await expect(
      evaluatePairs({ pairs: [{ ...base, b: '  ' }], embedder, thresholds: [0.9] }),
    ).rejects.toThrow(InvalidInputError);
    await expect(evaluatePairs({ pairs, embedder, thresholds: [1.5] })).rejects.toThrow(InvalidInputError);
    await expect(evaluatePairs({ pairs: [], embedder, thresholds: [0.9] })).rejects.toThrow(
      InvalidInputError,
    );
    await expect(
      evaluatePairs({
        pairs: [base, { ...base, id: 'other', label: 'near-miss' }],
        embedder,
        thresholds: [0.9],
      }),
    ).rejects.toThrow(/both paraphrase and near-miss/);
    expect(calls).toEqual([]);
  });

  it('refuses an embedder that returns the wrong number of vectors', async () => {
    const broken: Embedder = { id: 'broken', dimensions: 2, embed: async () => [[1, 0]] };
    await expect(evaluatePairs({ pairs, embedder: broken, thresholds: [0.9] })).rejects.toThrow(
      /did not return/,
    );
  });
});

describe('recommendThreshold', () => {
  it('picks the lowest threshold whose false-hit point estimate meets the target', async () => {
    const report = await evaluatePairs({
      pairs,
      embedder: fakeEmbedder(angles),
      thresholds: [0.7, 0.8, 0.85, 0.9, 0.93],
    });
    // False hits: 0.7 → 2/2, 0.8 → 2/2, 0.85 → 1/2, 0.9 → 1/2, 0.93 → 0/2.
    expect(recommendThreshold(report, { maxFalseHitRate: 0 })!.threshold).toBe(0.93);
    expect(recommendThreshold(report, { maxFalseHitRate: 0.5 })!.threshold).toBe(0.85);
    expect(recommendThreshold(report, { maxFalseHitRate: 1 })!.threshold).toBe(0.7);
    // With two near-misses even 0/2 has a Wilson upper bound near 66 %: the upper-bound basis says so.
    expect(recommendThreshold(report, { maxFalseHitRate: 0.5, basis: 'upper' })).toBeUndefined();
    expect(recommendThreshold(report, { maxFalseHitRate: 0.7, basis: 'upper' })!.threshold).toBe(0.93);
    expect(() => recommendThreshold(report, { maxFalseHitRate: 2 })).toThrow(RangeError);
  });

  it('never recommends a threshold at which no paraphrase hits', async () => {
    // 0.99 and 1 meet any false-hit target (0/2) only because nothing hits at all.
    const report = await evaluatePairs({
      pairs,
      embedder: fakeEmbedder(angles),
      thresholds: [0.7, 0.9, 0.99, 1],
    });
    expect(recommendThreshold(report, { maxFalseHitRate: 0 })).toBeUndefined();
    expect(recommendThreshold(report, { maxFalseHitRate: 0.5 })!.threshold).toBe(0.9);
  });
});
