import { z } from 'zod';
import { InvalidInputError } from '../../errors.js';
import { parseInput } from '../../validation.js';
import { checkEmbeddings } from '../caching-embedder.js';
import type { Embedder } from '../embedder.js';
import { reportedSimilarity } from '../policy.js';
import { normalizeMatchText } from '../prepare-request.js';
import {
  labelledPairSchema,
  NEAR_MISS_KINDS,
  PARAPHRASE_KINDS,
  type LabelledPair,
  type PairLabel,
} from './labelled-pair.js';
import { wilsonInterval, type RateEstimate } from './wilson-interval.js';

/** What the evaluator needs of a near-miss guard (structurally the cache's `NearMissGuard`). */
export interface CalibrationGuard {
  check(stored: string, query: string): { accept: boolean; reason?: string };
}

export interface EvaluatePairsOptions {
  pairs: readonly LabelledPair[];
  embedder: Embedder;
  /** Checked as `guard.check(a, b)`: `a` plays the stored prompt, `b` the incoming one. */
  guard?: CalibrationGuard;
  /** Similarity thresholds (0–1) to report; sorted and de-duplicated in the report. */
  thresholds: readonly number[];
  /** Texts per `embedder.embed` call. @default 64 */
  batchSize?: number;
}

/** One pair with what the cache would see: the similarity of its two texts and the guard's verdict. */
export interface ScoredPair extends LabelledPair {
  /** Cosine clamped to 0–1 and rounded to 6 decimals, as the cache reports it. */
  similarity: number;
  /** The guard's verdict; absent without a guard. */
  guard?: { accept: boolean; reason?: string };
}

/** Hits per kind at one threshold: recall for a paraphrase kind, false hits for a near-miss kind. */
export interface KindResult extends RateEstimate {
  kind: string;
  label: PairLabel;
}

export interface ThresholdResult {
  threshold: number;
  /** Paraphrases that hit: the cache's usefulness. */
  recall: RateEstimate;
  /** Near-misses that hit: wrong answers served. */
  falseHitRate: RateEstimate;
  /** In the report's kind order. */
  byKind: KindResult[];
  /** Pairs at or above the threshold that the guard turned into misses. */
  guardRejected: { paraphrase: number; nearMiss: number };
}

export interface CalibrationReport {
  embedderId: string;
  guarded: boolean;
  paraphrases: number;
  nearMisses: number;
  /** Kinds present: the built-in paraphrase kinds, then near-miss kinds, then any others by name. */
  kinds: { kind: string; label: PairLabel; total: number }[];
  /** Ascending by threshold. */
  thresholds: ThresholdResult[];
  pairs: ScoredPair[];
}

const optionsSchema = z.object({
  pairs: z.array(labelledPairSchema).min(1, 'needs at least one pair'),
  thresholds: z.array(z.number().min(0).max(1)).min(1, 'needs at least one threshold'),
  batchSize: z.number().int().min(1).max(10_000).default(64),
});

function cosine(left: readonly number[], right: readonly number[]): number {
  let dot = 0;
  let leftNorm = 0;
  let rightNorm = 0;
  for (let index = 0; index < left.length; index++) {
    dot += left[index]! * right[index]!;
    leftNorm += left[index]! * left[index]!;
    rightNorm += right[index]! * right[index]!;
  }
  return leftNorm > 0 && rightNorm > 0 ? dot / Math.sqrt(leftNorm * rightNorm) : 0;
}

const KNOWN_KINDS: readonly string[] = [...PARAPHRASE_KINDS, ...NEAR_MISS_KINDS];

function kindOrder(left: string, right: string): number {
  const leftIndex = KNOWN_KINDS.indexOf(left);
  const rightIndex = KNOWN_KINDS.indexOf(right);
  if (leftIndex >= 0 || rightIndex >= 0)
    return (leftIndex < 0 ? Infinity : leftIndex) - (rightIndex < 0 ? Infinity : rightIndex);
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Embeds every distinct text once, in batches, and returns a vector per text. */
async function embedAll(embedder: Embedder, texts: readonly string[], batchSize: number) {
  const distinct = [...new Set(texts)];
  const vectors = new Map<string, number[]>();
  for (let start = 0; start < distinct.length; start += batchSize) {
    const batch = distinct.slice(start, start + batchSize);
    const embedded = checkEmbeddings(embedder, batch, await embedder.embed(batch));
    batch.forEach((text, index) => vectors.set(text, embedded[index]!));
  }
  return vectors;
}

/**
 * Runs labelled pairs through an embedder (and optionally a near-miss guard) the way the cache
 * would: both texts normalised like a match text, similarity as the cache reports it, and a pair
 * "hits" at threshold t when similarity ≥ t and the guard (if any) accepts it. Reports, per
 * threshold, recall on paraphrases and the false-hit rate on near-misses with 95 % Wilson
 * intervals, overall and per kind.
 */
export async function evaluatePairs(options: EvaluatePairsOptions): Promise<CalibrationReport> {
  const parsed = parseInput(
    optionsSchema,
    { pairs: options.pairs, thresholds: options.thresholds, batchSize: options.batchSize },
    { what: 'calibration input', driver: 'calibration' },
  );
  const { embedder, guard } = options;
  const pairs = options.pairs;
  const kinds = new Map<string, { kind: string; label: PairLabel; total: number }>();
  for (const pair of pairs) {
    const known = kinds.get(pair.kind);
    if (known && known.label !== pair.label)
      throw new InvalidInputError(
        `kind ${pair.kind} is labelled both paraphrase and near-miss (pair ${pair.id})`,
        {
          driver: 'calibration',
        },
      );
    if (known) known.total++;
    else kinds.set(pair.kind, { kind: pair.kind, label: pair.label, total: 1 });
  }

  const texts = pairs.flatMap((pair) => [normalizeMatchText(pair.a), normalizeMatchText(pair.b)]);
  const vectors = await embedAll(embedder, texts, parsed.batchSize);
  const scored: ScoredPair[] = pairs.map((pair, index) => {
    const stored = texts[2 * index]!;
    const query = texts[2 * index + 1]!;
    const similarity = reportedSimilarity(cosine(vectors.get(stored)!, vectors.get(query)!));
    if (!guard) return { ...pair, similarity };
    const verdict = guard.check(stored, query);
    return {
      ...pair,
      similarity,
      guard: { accept: verdict.accept, ...(verdict.reason !== undefined ? { reason: verdict.reason } : {}) },
    };
  });

  const orderedKinds = [...kinds.values()].sort((left, right) => kindOrder(left.kind, right.kind));
  const hits = (group: readonly ScoredPair[], threshold: number) =>
    group.filter((pair) => pair.similarity >= threshold && (pair.guard?.accept ?? true)).length;
  const paraphrases = scored.filter((pair) => pair.label === 'paraphrase');
  const nearMisses = scored.filter((pair) => pair.label === 'near-miss');
  const thresholds = [...new Set(parsed.thresholds)].sort((left, right) => left - right);
  return {
    embedderId: embedder.id,
    guarded: guard !== undefined,
    paraphrases: paraphrases.length,
    nearMisses: nearMisses.length,
    kinds: orderedKinds,
    thresholds: thresholds.map((threshold) => {
      const rejected = (group: readonly ScoredPair[]) =>
        group.filter((pair) => pair.similarity >= threshold && pair.guard?.accept === false).length;
      return {
        threshold,
        recall: wilsonInterval(hits(paraphrases, threshold), paraphrases.length),
        falseHitRate: wilsonInterval(hits(nearMisses, threshold), nearMisses.length),
        byKind: orderedKinds.map(({ kind, label }) => {
          const group = scored.filter((pair) => pair.kind === kind);
          return { kind, label, ...wilsonInterval(hits(group, threshold), group.length) };
        }),
        guardRejected: { paraphrase: rejected(paraphrases), nearMiss: rejected(nearMisses) },
      };
    }),
    pairs: scored,
  };
}
