import { createHash } from 'node:crypto';
import { NEAR_MISS_KINDS, PARAPHRASE_KINDS } from '@tristack/core/calibration';
import { describe, expect, it } from 'vitest';
import {
  loadQualityPairs,
  loadTuningSet,
  TUNING_SETS,
  QUALITY_SPLIT_SEED,
  qualitySplit,
} from './quality-pairs.fixture.js';

const KINDS: readonly string[] = [...PARAPHRASE_KINDS, ...NEAR_MISS_KINDS];

describe('the labelled quality pairs', () => {
  const pairs = loadQualityPairs();

  it('has at least 1,000 pairs, both labels about equally, every kind with at least 60', () => {
    expect(pairs.length).toBeGreaterThanOrEqual(1000);
    const paraphrases = pairs.filter((pair) => pair.label === 'paraphrase').length;
    const nearMisses = pairs.filter((pair) => pair.label === 'near-miss').length;
    expect(paraphrases).toBeGreaterThan(0);
    expect(nearMisses).toBeGreaterThan(0);
    expect(Math.abs(paraphrases - nearMisses)).toBeLessThanOrEqual(pairs.length * 0.1);
    for (const kind of KINDS)
      expect(pairs.filter((pair) => pair.kind === kind).length, kind).toBeGreaterThanOrEqual(60);
  });

  it('uses only the known kinds, each with its own label', () => {
    for (const pair of pairs) {
      expect(KINDS, pair.id).toContain(pair.kind);
      const expected = (PARAPHRASE_KINDS as readonly string[]).includes(pair.kind)
        ? 'paraphrase'
        : 'near-miss';
      expect(pair.label, pair.id).toBe(expected);
    }
  });

  it('has unique ids, no empty or untrimmed text, no pair of identical texts, no repeated pair', () => {
    expect(new Set(pairs.map((pair) => pair.id)).size).toBe(pairs.length);
    const seen = new Set<string>();
    for (const pair of pairs) {
      for (const text of [pair.a, pair.b]) {
        expect(text.trim().length, pair.id).toBeGreaterThan(0);
        expect(text, pair.id).toBe(text.trim());
      }
      expect(pair.a, pair.id).not.toBe(pair.b);
      // Case and spacing do not make a pair different: the cache's exact tier would not either.
      const key = JSON.stringify([pair.a, pair.b].map((text) => text.toLowerCase().replace(/\s+/g, ' ')));
      expect(seen.has(key), `${pair.id} repeats a pair`).toBe(false);
      seen.add(key);
    }
  });

  it('spans the tool domains an agent works in', () => {
    const domains = new Set(pairs.map((pair) => pair.domain));
    for (const domain of [
      'email',
      'calendar',
      'github',
      'slack',
      'travel',
      'files',
      'crm',
      'billing',
      'support',
    ])
      expect(domains, domain).toContain(domain);
  });

  it('splits by the fixed seed into halves stratified by kind, the same every time', () => {
    const { tuning, test } = qualitySplit();
    expect(tuning.length + test.length).toBe(pairs.length);
    for (const kind of KINDS) {
      const total = pairs.filter((pair) => pair.kind === kind).length;
      expect(tuning.filter((pair) => pair.kind === kind).length, kind).toBe(Math.floor(total / 2));
    }
    expect(qualitySplit().test.map((pair) => pair.id)).toEqual(test.map((pair) => pair.id));
    // Pinned: a new seed or split rule would move pairs between halves and leak the test half
    // into choices made on the tuning half. Adding pairs changes this digest; re-pin it then.
    const digest = createHash('sha256')
      .update(`${QUALITY_SPLIT_SEED}:${tuning.map((pair) => pair.id).join(',')}`)
      .digest('hex')
      .slice(0, 16);
    expect(digest).toBe('a9fd3458ad6f83c6');
  });
});

describe.each(TUNING_SETS)('the $title', (set) => {
  const { file, minPerKind } = set;
  const kinds: readonly string[] = 'kinds' in set ? set.kinds : KINDS;
  const extra = loadTuningSet(file);
  const pairs = loadQualityPairs();

  it(`covers its kinds with their own label, at least ${minPerKind} pairs each`, () => {
    for (const kind of kinds)
      expect(extra.filter((pair) => pair.kind === kind).length, kind).toBeGreaterThanOrEqual(minPerKind);
    for (const pair of extra) {
      const expected = (PARAPHRASE_KINDS as readonly string[]).includes(pair.kind)
        ? 'paraphrase'
        : 'near-miss';
      expect(pair.label, pair.id).toBe(expected);
      expect(pair.a, pair.id).not.toBe(pair.b);
    }
  });

  it('shares no id and no text with the project pairs: tuning on it never tunes on the test half', () => {
    const ids = new Set(pairs.map((pair) => pair.id));
    const texts = new Set(pairs.flatMap((pair) => [pair.a, pair.b].map((text) => text.toLowerCase())));
    expect(new Set(extra.map((pair) => pair.id)).size).toBe(extra.length);
    for (const pair of extra) {
      expect(ids.has(pair.id), pair.id).toBe(false);
      for (const text of [pair.a, pair.b])
        expect(texts.has(text.toLowerCase()), `${pair.id}: ${text}`).toBe(false);
    }
  });
});
