import { defaultNearMissGuard, CachingEmbedder, type Embedder, LocalNgramEmbedder } from '@tristack/core';
import {
  type CalibrationGuard,
  type CalibrationReport,
  evaluatePairs,
  formatCalibrationTable,
  type LabelledPair,
  recommendThreshold,
} from '@tristack/core/calibration';
import { semanticCacheOptionsSchema } from '@tristack/core/driver-kit';
import { describe, expect, it } from 'vitest';
import { loadTuningSet, qualitySplit, TUNING_SETS as EXTRA_TUNING_SETS } from './quality-pairs.fixture.js';

// Reported, never tuned here: the test half is asserted on, the tuning half only printed.
const THRESHOLDS = [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.925, 0.95, 0.975];
const MAX_FALSE_HIT_RATE = 0.01;
// Issue 19's goals, printed as MET / NOT MET and asserted as the goals themselves on the test half:
// false hits at most 1 % for both embedders (2/256 passes, 3/256 fails; today 1/256 each) and, for
// USE Lite at its default 0.5, recall at least 70 % (180/256 passes, 179/256 fails; today 185/256).
const LEXICAL_FALSE_HIT_CEILING = MAX_FALSE_HIT_RATE;
const OFFLINE_FALSE_HIT_CEILING = MAX_FALSE_HIT_RATE;
const OFFLINE_RECALL_FLOOR = 0.7;

function reportGoal(goal: string, met: boolean, measured: string): void {
  console.log(`[tristack] quality goal ${met ? 'MET' : 'NOT MET'}: ${goal} — measured ${measured}`);
}
const DEFAULT_THRESHOLD: number = semanticCacheOptionsSchema.parse({}).similarityThreshold;
const { tuning, test } = qualitySplit();
// Where thresholds and guard rules are chosen: the tuning half and the second tuning set.
const TUNING_SETS: readonly (readonly [string, readonly LabelledPair[]])[] = [
  ['TUNING half', tuning],
  ...EXTRA_TUNING_SETS.map(({ title, file }) => [title, loadTuningSet(file)] as const),
];

async function measure(
  title: string,
  pairs: readonly LabelledPair[],
  embedder: Embedder,
  guard: CalibrationGuard | undefined,
  focusThreshold: number,
): Promise<CalibrationReport> {
  const thresholds = [...new Set([...THRESHOLDS, focusThreshold])];
  const report = await evaluatePairs({ pairs, embedder, thresholds, ...(guard ? { guard } : {}) });
  console.log(
    `${formatCalibrationTable(report, { title, focusThreshold, maxFalseHitRate: MAX_FALSE_HIT_RATE })}\n`,
  );
  return report;
}

const at = (report: CalibrationReport, threshold: number) =>
  report.thresholds.find((result) => result.threshold === threshold)!;

/**
 * What went wrong at a threshold, for the tuning sets only (listing test-half items would invite
 * tuning on them): near-misses that hit, and paraphrases the guard turned down, with its reason.
 */
function misjudged(report: CalibrationReport, threshold: number): string {
  const line = (pair: CalibrationReport['pairs'][number], note: string) =>
    `  ${pair.id} [${pair.kind}] ${pair.similarity.toFixed(3)}${note}: "${pair.a}" → "${pair.b}"`;
  const wrongHits = report.pairs.filter(
    (pair) => pair.label === 'near-miss' && pair.similarity >= threshold && (pair.guard?.accept ?? true),
  );
  const vetoed = report.pairs.filter(
    (pair) => pair.label === 'paraphrase' && pair.similarity >= threshold && pair.guard?.accept === false,
  );
  return [
    `near-misses that hit at ${threshold} (${wrongHits.length}):`,
    ...wrongHits.map((pair) => line(pair, '')),
    ...(report.guarded
      ? [
          `paraphrases at or above ${threshold} the guard turned down (${vetoed.length}):`,
          ...vetoed.map((pair) => line(pair, ` ${pair.guard?.reason ?? ''}`)),
        ]
      : []),
  ].join('\n');
}

describe('semantic cache quality: default lexical embedder', () => {
  // One embedder for every run: the pairs are embedded once, the runs differ only in guard and half.
  const embedder = new CachingEmbedder(new LocalNgramEmbedder(), { maxEntries: 100_000 });

  it(`keeps false hits under the safety ceiling on the test half at the default threshold (goal: ≤ 1 %)`, async () => {
    expect(DEFAULT_THRESHOLD).toBeGreaterThan(0);
    const guarded = await measure(
      `LocalNgramEmbedder + defaultNearMissGuard — TEST half (${test.length} pairs)`,
      test,
      embedder,
      defaultNearMissGuard,
      DEFAULT_THRESHOLD,
    );
    const unguarded = await measure(
      `LocalNgramEmbedder, no guard — TEST half (${test.length} pairs)`,
      test,
      embedder,
      undefined,
      DEFAULT_THRESHOLD,
    );
    // The guard only ever turns hits into misses.
    for (const [index, result] of guarded.thresholds.entries()) {
      expect(result.recall.count).toBeLessThanOrEqual(unguarded.thresholds[index]!.recall.count);
      expect(result.falseHitRate.count).toBeLessThanOrEqual(unguarded.thresholds[index]!.falseHitRate.count);
    }
    const atDefault = at(guarded, DEFAULT_THRESHOLD);
    expect(atDefault.falseHitRate.total).toBeGreaterThanOrEqual(250);
    const rate = atDefault.falseHitRate.rate;
    reportGoal(
      'lexical + guard, false hits ≤ 1 % (test half)',
      rate <= MAX_FALSE_HIT_RATE,
      `${(rate * 100).toFixed(1)} %`,
    );
    expect(rate).toBeLessThanOrEqual(LEXICAL_FALSE_HIT_CEILING);
  });

  it('prints the tuning half (where thresholds are chosen), asserting nothing about it', async () => {
    for (const [set, pairs] of TUNING_SETS)
      for (const guard of [defaultNearMissGuard, undefined]) {
        const report = await measure(
          `LocalNgramEmbedder${guard ? ' + defaultNearMissGuard' : ', no guard'} — ${set} (${pairs.length} pairs)`,
          pairs,
          embedder,
          guard,
          DEFAULT_THRESHOLD,
        );
        console.log(misjudged(report, DEFAULT_THRESHOLD));
        expect(report.pairs).toHaveLength(pairs.length);
      }
  });
});

// The offline model lives in its own optional package; resolved at run time so this file does not
// depend on it. In this repository it is found through the package name or the workspace source.
const OFFLINE_MODEL_PACKAGE = '@tristack/embeddings-use-lite';
const OFFLINE_MODEL_SOURCE = new URL('../../../embeddings-use-lite/src/index.ts', import.meta.url).href;

interface OfflineModel {
  embedder: Embedder;
  threshold: number;
}

async function loadOfflineModel(): Promise<OfflineModel | string> {
  const failures: string[] = [];
  for (const specifier of [OFFLINE_MODEL_PACKAGE, OFFLINE_MODEL_SOURCE]) {
    try {
      const module = (await import(/* @vite-ignore */ specifier)) as {
        UseLiteEmbedder?: new () => Embedder;
        USE_LITE_DEFAULT_THRESHOLD?: number;
      };
      if (!module.UseLiteEmbedder || typeof module.USE_LITE_DEFAULT_THRESHOLD !== 'number') {
        failures.push(`${specifier}: no UseLiteEmbedder / USE_LITE_DEFAULT_THRESHOLD export`);
        continue;
      }
      return { embedder: new module.UseLiteEmbedder(), threshold: module.USE_LITE_DEFAULT_THRESHOLD };
    } catch (error) {
      failures.push(`${specifier}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    }
  }
  return failures.join('; ');
}

const offline = await loadOfflineModel();
if (typeof offline === 'string')
  console.warn(`[tristack] NOT RUN: offline embedding model quality: ${offline}`);

describe.runIf(typeof offline !== 'string')('semantic cache quality: offline model (USE Lite)', () => {
  const model = offline as OfflineModel;
  const embedder = new CachingEmbedder(model.embedder, { maxEntries: 100_000 });

  it('keeps false hits under the safety ceiling and recall over its floor on the test half at its default threshold (goal: ≥ 70 % recall at ≤ 1 %)', async () => {
    const guarded = await measure(
      `${embedder.id} + defaultNearMissGuard — TEST half (${test.length} pairs)`,
      test,
      embedder,
      defaultNearMissGuard,
      model.threshold,
    );
    await measure(
      `${embedder.id}, no guard — TEST half (${test.length} pairs)`,
      test,
      embedder,
      undefined,
      model.threshold,
    );
    const atDefault = at(guarded, model.threshold);
    const { rate: falseHits } = atDefault.falseHitRate;
    const { rate: recall } = atDefault.recall;
    reportGoal(
      'offline model + guard, recall ≥ 70 % at false hits ≤ 1 % (test half)',
      recall >= 0.7 && falseHits <= MAX_FALSE_HIT_RATE,
      `recall ${(recall * 100).toFixed(1)} %, false hits ${(falseHits * 100).toFixed(1)} %`,
    );
    expect(falseHits).toBeLessThanOrEqual(OFFLINE_FALSE_HIT_CEILING);
    expect(recall).toBeGreaterThanOrEqual(OFFLINE_RECALL_FLOOR);
  }, 600_000);

  it('prints the tuning half and the threshold it recommends, asserting nothing about it', async () => {
    for (const [set, pairs] of TUNING_SETS)
      for (const guard of [defaultNearMissGuard, undefined]) {
        const report = await measure(
          `${embedder.id}${guard ? ' + defaultNearMissGuard' : ', no guard'} — ${set} (${pairs.length} pairs)`,
          pairs,
          embedder,
          guard,
          model.threshold,
        );
        const recommended = recommendThreshold(report, { maxFalseHitRate: MAX_FALSE_HIT_RATE });
        console.log(misjudged(report, model.threshold));
        console.log(
          `${set} recommends ${recommended?.threshold ?? 'no threshold'} (the package's default: ${model.threshold})`,
        );
        expect(report.pairs).toHaveLength(pairs.length);
      }
  }, 600_000);
});
