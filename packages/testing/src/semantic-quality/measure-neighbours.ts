/**
 * What the labelled pairs do not show: a real cache holds many requests of one domain, most sharing
 * no marker the guard could compare. This pairs every request of the tuning sets with every request
 * of another pair of the same domain (never the test half) and counts those the offline model puts
 * at or above a threshold and the default guard lets through — the false hits a threshold risks
 * beyond the labelled near-misses. Run: `npx tsx packages/testing/src/semantic-quality/measure-neighbours.ts`.
 */
import { defaultNearMissGuard } from '@tristack/core';
import { UseLiteEmbedder } from '../../../embeddings-use-lite/src/index.js';
import { loadTuningSet, qualitySplit, TUNING_SETS } from './quality-pairs.fixture.js';

const THRESHOLDS = [0.45, 0.5, 0.55, 0.6];
const pairs = [...qualitySplit().tuning, ...TUNING_SETS.flatMap(({ file }) => loadTuningSet(file))];
const requests = pairs.flatMap((pair) =>
  [pair.a, pair.b].map((text) => ({ pair: pair.id, domain: pair.domain ?? '', text })),
);
const texts = [...new Set(requests.map((request) => request.text))];
const embedder = new UseLiteEmbedder();
const vectors = new Map<string, number[]>();
for (let start = 0; start < texts.length; start += 64) {
  const batch = texts.slice(start, start + 64);
  const embedded = await embedder.embed(batch);
  batch.forEach((text, index) => vectors.set(text, embedded[index]!));
}
const cosine = (one: number[], other: number[]) => {
  let [dot, left, right] = [0, 0, 0];
  for (let index = 0; index < one.length; index++) {
    dot += one[index]! * other[index]!;
    left += one[index]! ** 2;
    right += other[index]! ** 2;
  }
  return dot / Math.sqrt(left * right);
};
// Node 20 has no Map.groupBy.
const byDomain = new Map<string, typeof requests>();
for (const request of requests)
  byDomain.set(request.domain, [...(byDomain.get(request.domain) ?? []), request]);
let total = 0;
const above = THRESHOLDS.map(() => 0);
const passed = THRESHOLDS.map(() => 0);
for (const group of byDomain.values())
  for (let one = 0; one < group.length; one++)
    for (let other = one + 1; other < group.length; other++) {
      const [left, right] = [group[one]!, group[other]!];
      if (left.pair === right.pair || left.text === right.text) continue;
      total++;
      const similarity = cosine(vectors.get(left.text)!, vectors.get(right.text)!);
      if (similarity < THRESHOLDS[0]!) continue;
      const accepted = defaultNearMissGuard.check(left.text, right.text).accept;
      THRESHOLDS.forEach((threshold, index) => {
        if (similarity < threshold) return;
        above[index]!++;
        if (accepted) passed[index]!++;
      });
    }
console.log(`${total} same-domain pairs of requests from different labelled pairs (tuning sets only)`);
THRESHOLDS.forEach((threshold, index) =>
  console.log(
    `at ≥ ${threshold}: ${above[index]} above the threshold, ${passed[index]} pass the guard (${((passed[index]! / total) * 100).toFixed(2)} % of all)`,
  ),
);
