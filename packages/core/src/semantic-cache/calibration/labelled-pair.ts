import { z } from 'zod';
import { InvalidInputError } from '../../errors.js';
import { parseInput } from '../../validation.js';

/** Rewordings of one request: a cached answer for one is right for the other. */
export const PARAPHRASE_KINDS = [
  'typo',
  'synonym',
  'verbose',
  'abbreviation',
  'formality',
  'reorder',
  'question-vs-imperative',
] as const;
/** Look-alike requests that ask for something else: a cached answer for one is wrong for the other. */
export const NEAR_MISS_KINDS = [
  'entity',
  'number',
  'negation',
  'direction',
  'scope',
  'time',
  'action',
] as const;

export type ParaphraseKind = (typeof PARAPHRASE_KINDS)[number];
export type NearMissKind = (typeof NEAR_MISS_KINDS)[number];
export type PairKind = ParaphraseKind | NearMissKind;
export type PairLabel = 'paraphrase' | 'near-miss';

/**
 * Two prompts and whether a cached answer for `a` (stored) may answer `b` (the query).
 * `kind` says how they differ; other fields (e.g. `domain`) are kept and ignored.
 */
export interface LabelledPair {
  id: string;
  label: PairLabel;
  /** One of `PARAPHRASE_KINDS` / `NEAR_MISS_KINDS`, or the user's own kind. */
  kind: string;
  a: string;
  b: string;
  domain?: string;
}

const text = z.string().refine((value) => value.trim().length > 0, 'must not be empty');

export const labelledPairSchema = z
  .object({
    id: z.string().min(1),
    label: z.enum(['paraphrase', 'near-miss']),
    kind: z.string().min(1),
    a: text,
    b: text,
    domain: z.string().optional(),
  })
  .loose();

/**
 * Reads JSON Lines (one `LabelledPair` per line; blank lines skipped). Throws `InvalidInputError`
 * naming the first bad line, or a repeated id.
 */
export function parseLabelledPairs(jsonl: string): LabelledPair[] {
  const pairs: LabelledPair[] = [];
  const ids = new Set<string>();
  jsonl.split(/\r?\n/).forEach((line, index) => {
    if (!line.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new InvalidInputError(`line ${index + 1} is not JSON`, { driver: 'calibration', cause: error });
    }
    const pair = parseInput(labelledPairSchema, value, {
      what: `labelled pair on line ${index + 1}`,
      driver: 'calibration',
    });
    if (ids.has(pair.id))
      throw new InvalidInputError(`line ${index + 1}: id ${pair.id} is used twice`, {
        driver: 'calibration',
      });
    ids.add(pair.id);
    pairs.push(pair);
  });
  return pairs;
}
