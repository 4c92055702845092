import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultNearMissGuard, LocalNgramEmbedder } from '@tristack/core';
import {
  type CalibrationReport,
  evaluatePairs,
  parseLabelledPairs,
  recommendThreshold,
} from '@tristack/core/calibration';
import { afterAll, describe, expect, it } from 'vitest';
import { runBinary, runInProcess } from '../run-cli.fixture.js';

const PAIRS = [
  {
    id: 'p1',
    label: 'paraphrase',
    kind: 'reorder',
    a: 'Reset my Slack password',
    b: 'My Slack password, reset it',
  },
  {
    id: 'p2',
    label: 'paraphrase',
    kind: 'typo',
    a: 'How do I reset my Slack password?',
    b: 'How do I rest my Slack pasword?',
  },
  {
    id: 'p3',
    label: 'paraphrase',
    kind: 'reorder',
    a: 'Archive the #ops channel today',
    b: 'Today, archive the #ops channel',
  },
  { id: 'p4', label: 'paraphrase', kind: 'synonym', a: 'How do I exit vim?', b: 'How do I quit vim?' },
  { id: 'n1', label: 'near-miss', kind: 'number', a: 'Merge PR 77', b: 'Merge PR 78' },
  { id: 'n2', label: 'near-miss', kind: 'action', a: 'Merge PR 77', b: 'Revert PR 77' },
  {
    id: 'n3',
    label: 'near-miss',
    kind: 'direction',
    a: 'Flights from Oslo to Rome',
    b: 'Flights from Rome to Oslo',
  },
  {
    id: 'n4',
    label: 'near-miss',
    kind: 'entity',
    a: 'Archive my messages in #ops',
    b: 'Archive my messages in #dev',
  },
];
const jsonl = (pairs: readonly object[]) => pairs.map((pair) => JSON.stringify(pair)).join('\n');

const folder = mkdtempSync(join(tmpdir(), 'tristack-calibrate-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
function file(name: string, content: string): string {
  const path = join(folder, name);
  writeFileSync(path, content);
  return path;
}
const pairsFile = file('pairs.jsonl', jsonl(PAIRS));

type CalibrationJson = Omit<CalibrationReport, 'pairs'> & {
  targetFalseHitRate: number;
  recommended: CalibrationReport['thresholds'][number] | null;
};

describe('tristack cache calibrate', () => {
  it('prints recall and false hits per threshold and kind with intervals, and the recommended threshold', async () => {
    // The guard is on unless told otherwise, as in the cache.
    const run = await runBinary(['cache', 'calibrate', '--pairs', pairsFile, '--embedder', 'lexical']);
    expect(run.stderr).toContain('embedding 8 pairs with tristack-local-ngram-v1/384, guard on');
    expect(run.code).toBe(0);
    // The same evaluation in this process decides what the binary must have recommended.
    const report = await evaluatePairs({
      pairs: parseLabelledPairs(jsonl(PAIRS)),
      embedder: new LocalNgramEmbedder(),
      guard: defaultNearMissGuard,
      thresholds: Array.from({ length: 71 }, (_, index) => (30 + index) / 100),
    });
    const expected = recommendThreshold(report, { maxFalseHitRate: 0.01 })!;
    const threshold = expected.threshold.toFixed(2);
    expect(run.stdout).toContain(
      'embedder tristack-local-ngram-v1/384 · guard on · 4 paraphrases · 4 near-misses',
    );
    expect(run.stdout).toMatch(/^threshold\s+recall \(paraphrases hit\)\s+false hits \(near-misses hit\)/m);
    // Every shown threshold has a row with both rates, their 95 % Wilson intervals and the guard's rejections.
    for (const shown of ['0.50', '0.60', '0.70', '0.75', '0.80', '0.85', '0.90', '0.95', threshold])
      expect(run.stdout).toMatch(
        new RegExp(
          `^${shown.replace('.', '\\.')}\\s+\\d+\\.\\d% \\[\\d+\\.\\d%–\\d+\\.\\d%\\] \\d/4\\s+\\d+\\.\\d% \\[.*\\s\\d+/\\d+$`,
          'm',
        ),
      );
    for (const kind of ['typo', 'synonym', 'reorder', 'number', 'direction', 'action', 'entity'])
      expect(run.stdout).toMatch(new RegExp(`^${kind}\\s+(paraphrase|near-miss)\\s+\\d`, 'm'));
    expect(run.stdout).toContain(`per kind at threshold ${threshold}:`);
    expect(run.stdout).toContain(
      `recommended for false hits ≤ 1.0% (point estimate): threshold ${threshold}`,
    );
  });

  it("answers in JSON, with a module of the user's as the embedder", async () => {
    // A toy embedder: letter counts. Any module exporting an Embedder (or a factory) will do.
    const module = file(
      'letters-embedder.mjs',
      `export default async () => ({
        id: 'letters-v1',
        dimensions: 26,
        async embed(texts) {
          return texts.map((text) => {
            const vector = new Array(26).fill(0);
            for (const c of text.toLowerCase()) if (c >= 'a' && c <= 'z') vector[c.charCodeAt(0) - 97] += 1;
            return vector;
          });
        },
      });`,
    );
    const run = await runBinary([
      'cache',
      'calibrate',
      '--pairs',
      pairsFile,
      '--embedder',
      module,
      '--guard',
      'off',
      '--target-false-hits',
      '0.5',
      '--thresholds',
      '0.9,0.99',
      '--json',
    ]);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as CalibrationJson;
    expect(result.embedderId).toBe('letters-v1');
    expect(result.guarded).toBe(false);
    expect(result.targetFalseHitRate).toBe(0.5);
    expect([result.paraphrases, result.nearMisses]).toEqual([4, 4]);
    expect(result).not.toHaveProperty('pairs');
    const recommended = result.recommended!;
    expect(recommended.falseHitRate.rate).toBeLessThanOrEqual(0.5);
    // Shown: the asked thresholds plus the recommended one, each with per-kind intervals.
    expect(result.thresholds.map((row) => row.threshold)).toEqual(
      [...new Set([0.9, 0.99, recommended.threshold])].sort((left, right) => left - right),
    );
    for (const row of result.thresholds) {
      expect(row.recall.total).toBe(4);
      expect(row.recall.low).toBeLessThanOrEqual(row.recall.rate);
      expect(row.recall.high).toBeGreaterThanOrEqual(row.recall.rate);
      expect(row.byKind.map((kind) => kind.kind)).toEqual([
        'typo',
        'synonym',
        'reorder',
        'entity',
        'number',
        'direction',
        'action',
      ]);
    }
  });

  it('runs the offline model with --embedder use-lite', async () => {
    const run = await runInProcess([
      'cache',
      'calibrate',
      '--pairs',
      pairsFile,
      '--embedder',
      'use-lite',
      '--json',
    ]);
    const result = JSON.parse(run.stdout) as CalibrationJson;
    expect(result.embedderId).toBe('universal-sentence-encoder-lite@0.2.0');
    expect(result.guarded).toBe(true);
    // Both reordered paraphrases hit at 0.5 (same words: the guard has nothing to object to).
    const atHalf = result.thresholds.find((row) => row.threshold === 0.5)!;
    expect(atHalf.byKind.find((kind) => kind.kind === 'reorder')!.count).toBe(2);
  });

  it('exits 1 when no threshold meets the target', async () => {
    // A near-miss written identically on both sides hits at every threshold, 1 included.
    const identical = file(
      'identical.jsonl',
      jsonl([
        ...PAIRS,
        { id: 'n5', label: 'near-miss', kind: 'scope', a: 'Delete my files', b: 'Delete my files' },
      ]),
    );
    const run = await runInProcess(['cache', 'calibrate', '--pairs', identical, '--target-false-hits', '0']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('no threshold in the report keeps false hits ≤ 0.0%');
  });

  it('refuses a bad command line or pairs file with exit 2, naming the problem', async () => {
    const badLine = file(
      'bad.jsonl',
      `${JSON.stringify(PAIRS[0])}\n{"id":"x","label":"maybe","kind":"typo","a":"a","b":"b"}\n`,
    );
    const cases: [string[], RegExp][] = [
      [['cache', 'calibrate'], /--pairs <file\.jsonl> is required/],
      [['cache', 'calibrate', '--pairs', pairsFile, '--guard', 'sometimes'], /--guard: expected on or off/],
      [
        ['cache', 'calibrate', '--pairs', pairsFile, '--target-false-hits', '2'],
        /--target-false-hits: expected a number from 0 to 1/,
      ],
      [
        ['cache', 'calibrate', '--pairs', pairsFile, '--thresholds', '0.5,x'],
        /--thresholds: expected a number/,
      ],
      [['cache', 'calibrate', '--pairs', join(folder, 'missing.jsonl')], /--pairs: cannot read/],
      [['cache', 'calibrate', '--pairs', badLine], /line 2/],
      [
        ['cache', 'calibrate', '--pairs', pairsFile, '--embedder', './no-such-embedder.mjs'],
        /--embedder: no module at \.\/no-such-embedder\.mjs/,
      ],
    ];
    for (const [args, message] of cases) {
      const run = await runInProcess(args);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).toContain('usage: tristack cache calibrate --pairs <file.jsonl> [options]');
    }
    // The binary says the same (the process-level path of the usage error).
    const binary = await runBinary(['cache', 'calibrate', '--pairs', pairsFile, '--guard', 'sometimes']);
    expect([binary.code, binary.stderr.includes('--guard: expected on or off')]).toEqual([2, true]);
  });
});
