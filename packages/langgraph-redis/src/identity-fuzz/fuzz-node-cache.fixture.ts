// The LangGraph node cache with hostile namespace labels (node names) and keys: each entry is
// read back by its own namespace and key only, and clearing one namespace leaves the others.
import type { CacheFullKey } from '@langchain/langgraph-checkpoint';
import type { FuzzCase, FuzzTarget } from '@tristack/testing/hostile-input';
import {
  hasNoLoneSurrogate,
  hostileIds,
  IdentityTally,
  inChunks,
  markerOf,
  prefixFor,
} from '@tristack/testing/hostile-input';
import { RedisNodeCache } from '../node-cache/redis-node-cache.js';

async function fuzzCache(
  target: FuzzTarget,
  api: string,
  keyOf: (id: string) => CacheFullKey,
  /** Clear the namespaces of half the ids (only when every id has a namespace of its own). */
  clearHalf: boolean,
): Promise<IdentityTally> {
  const cache = new RedisNodeCache<{ marker: string }>({
    client: target.client,
    prefix: prefixFor(target, api),
  });
  // Any text but a lone surrogate (it has no UTF-8 form) names a node or a cache key.
  const tally = new IdentityTally(api, hasNoLoneSurrogate);
  const ids = hostileIds(api, target.count);
  const accepted: number[] = [];
  await inChunks(ids, target.concurrency, async (id, index) => {
    const outcome = await tally.attempt(id, () =>
      cache.set([{ key: keyOf(id), value: { marker: markerOf(index) } }]),
    );
    if (outcome === 'accepted') accepted.push(index);
  });
  const expectMarker = async (index: number, expected: string | undefined, when: string) => {
    const id = ids[index]!;
    const hits = await tally.check(id, () => cache.get([keyOf(id)]));
    const marker = hits?.[0]?.value.marker;
    if (hits && (hits.length > 1 || marker !== expected))
      tally.collision(id, `${when}: get reads ${JSON.stringify(marker)}`);
  };
  await inChunks(accepted, target.concurrency, (index) => expectMarker(index, markerOf(index), 'after set'));
  if (!clearHalf) return tally;
  const cleared = new Set(accepted.filter((_, position) => position % 2 === 0));
  await inChunks([...cleared], target.concurrency, async (index) => {
    await tally.check(ids[index]!, () => cache.clear([keyOf(ids[index]!)[0]]));
  });
  await inChunks(accepted, target.concurrency, (index) =>
    expectMarker(index, cleared.has(index) ? undefined : markerOf(index), 'after clearing half'),
  );
  return tally;
}

export const fuzzNodeCache: FuzzCase = async (target) => [
  await fuzzCache(target, 'node cache namespace label', (id) => [['fuzz', id], 'key'], true),
  // Keys share one namespace: clearing it would clear them all, so only the reads count here.
  await fuzzCache(target, 'node cache key', (id) => [['fuzz'], id], false),
];
