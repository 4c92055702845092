import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LabelledPair } from './labelled-pair.js';
import { splitPairs } from './split-pairs.js';

const makePairs = (counts: Record<string, number>): LabelledPair[] =>
  Object.entries(counts).flatMap(([kind, count]) =>
    Array.from({ length: count }, (_, index) => ({
      id: `${kind}-${index}`,
      label: kind === 'typo' || kind === 'synonym' ? ('paraphrase' as const) : ('near-miss' as const),
      kind,
      a: `a ${kind} ${index}`,
      b: `b ${kind} ${index}`,
    })),
  );

describe('splitPairs', () => {
  const pairs = makePairs({ typo: 11, synonym: 10, number: 7 });

  it('halves every kind (the odd one to test) and loses or repeats nothing', () => {
    const { tuning, test } = splitPairs(pairs, 42);
    const count = (group: LabelledPair[], kind: string) => group.filter((pair) => pair.kind === kind).length;
    expect([count(tuning, 'typo'), count(test, 'typo')]).toEqual([5, 6]);
    expect([count(tuning, 'synonym'), count(test, 'synonym')]).toEqual([5, 5]);
    expect([count(tuning, 'number'), count(test, 'number')]).toEqual([3, 4]);
    expect([...tuning, ...test].map((pair) => pair.id).sort()).toEqual(pairs.map((pair) => pair.id).sort());
  });

  it('is deterministic, ignores input order and depends on the seed', () => {
    const ids = (group: LabelledPair[]) => group.map((pair) => pair.id).sort();
    const first = splitPairs(pairs, 42);
    const reversed = splitPairs([...pairs].reverse(), 42);
    expect(ids(reversed.tuning)).toEqual(ids(first.tuning));
    expect(splitPairs(pairs, 42)).toEqual(first);
    expect(ids(splitPairs(pairs, 43).tuning)).not.toEqual(ids(first.tuning));
  });

  it('keeps each half in input order', () => {
    const { tuning } = splitPairs(pairs, 7);
    const positions = tuning.map((pair) => pairs.indexOf(pair));
    expect(positions).toEqual([...positions].sort((left, right) => left - right));
  });

  it("adding a pair never moves another kind's pairs", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 0, max: 30 }),
        (seed, extra) => {
          const before = splitPairs(pairs, seed);
          const after = splitPairs([...pairs, ...makePairs({ typo: 12 + extra }).slice(11)], seed);
          const numberIds = (group: LabelledPair[]) =>
            group.filter((pair) => pair.kind !== 'typo').map((pair) => pair.id);
          expect(numberIds(after.tuning)).toEqual(numberIds(before.tuning));
        },
      ),
      { numRuns: 50 },
    );
  });

  it('refuses a non-integer seed', () => {
    expect(() => splitPairs(pairs, 0.5)).toThrow(RangeError);
  });
});
