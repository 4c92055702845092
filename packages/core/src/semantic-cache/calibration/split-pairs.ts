import { hash32 } from '../hash32.js';
import type { LabelledPair } from './labelled-pair.js';

export interface PairSplit<Pair extends LabelledPair = LabelledPair> {
  /** Choose thresholds and rules on these. */
  tuning: Pair[];
  /** Report and assert on these only. */
  test: Pair[];
}

/**
 * Splits pairs into a tuning half and a test half, stratified by kind: within each kind the pairs
 * are ordered by a seeded hash of their id and the first half (rounded down) goes to tuning. Pure and
 * deterministic: the input order does not matter, and adding a pair moves at most a few pairs of its
 * own kind, never another kind's. Each half keeps the input's order.
 */
export function splitPairs<Pair extends LabelledPair>(pairs: readonly Pair[], seed: number): PairSplit<Pair> {
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  const byKind = new Map<string, Pair[]>();
  for (const pair of pairs) {
    const group = byKind.get(pair.kind) ?? [];
    group.push(pair);
    byKind.set(pair.kind, group);
  }
  const tuningIds = new Set<string>();
  for (const group of byKind.values()) {
    const ranked = group
      .map((pair) => ({ id: pair.id, rank: hash32(pair.id, seed) }))
      .sort(
        (left, right) => left.rank - right.rank || (left.id < right.id ? -1 : left.id > right.id ? 1 : 0),
      );
    for (const { id } of ranked.slice(0, Math.floor(group.length / 2))) tuningIds.add(id);
  }
  return {
    tuning: pairs.filter((pair) => tuningIds.has(pair.id)),
    test: pairs.filter((pair) => !tuningIds.has(pair.id)),
  };
}
