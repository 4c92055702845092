// The LangGraph store with hostile namespace labels (a user id per namespace): each namespace
// gets, searches and deletes only its own item.
import { InvalidNamespaceError } from '@langchain/langgraph-checkpoint';
import type { FuzzCase } from '@tristack/testing/hostile-input';
import {
  hasNoLoneSurrogate,
  hostileIds,
  IdentityTally,
  inChunks,
  markerOf,
  prefixFor,
} from '@tristack/testing/hostile-input';
import { RedisStore } from '../store/redis-store.js';

export const fuzzStore: FuzzCase = async (target) => {
  const api = 'store namespace label';
  const store = new RedisStore({ client: target.client, prefix: prefixFor(target, api) });
  // Labels: what LangGraph's BaseStore allows (no '.', ':' or NUL; it throws InvalidNamespaceError
  // before the driver runs), without the driver's separator \x01, and well-formed (a lone
  // surrogate would reach Redis as U+FFFD, the same bytes as another label).
  const tally = new IdentityTally(
    api,
    (id) =>
      id.length > 0 && !['.', ':', '\0', '\x01'].some((part) => id.includes(part)) && hasNoLoneSurrogate(id),
    (error) => error instanceof InvalidNamespaceError,
  );
  const ids = hostileIds(api, target.count);
  const namespaceOf = (id: string) => ['users', id, 'memories'];
  const accepted: number[] = [];
  await inChunks(ids, target.concurrency, async (id, index) => {
    const outcome = await tally.attempt(id, () =>
      store.put(namespaceOf(id), 'profile', { marker: markerOf(index) }),
    );
    if (outcome === 'accepted') accepted.push(index);
  });
  const expectMarker = async (index: number, expected: string | undefined, when: string) => {
    const id = ids[index]!;
    const item = await tally.check(id, () => store.get(namespaceOf(id), 'profile'));
    const marker = (item?.value as { marker?: string } | undefined)?.marker;
    if (marker !== expected) tally.collision(id, `${when}: get reads ${JSON.stringify(marker)}`);
  };
  await inChunks(accepted, target.concurrency, async (index) => {
    const id = ids[index]!;
    await expectMarker(index, markerOf(index), 'after put');
    const found = await tally.check(id, () => store.search(['users', id]));
    const markers = found?.map((item) => (item.value as { marker?: string }).marker);
    if (markers && JSON.stringify(markers) !== JSON.stringify([markerOf(index)]))
      tally.collision(id, `search of its prefix finds ${JSON.stringify(markers)}`);
  });
  const removed = new Set(accepted.filter((_, position) => position % 2 === 0));
  await inChunks([...removed], target.concurrency, async (index) => {
    await tally.check(ids[index]!, () => store.delete(namespaceOf(ids[index]!), 'profile'));
  });
  await inChunks(accepted, target.concurrency, (index) =>
    expectMarker(index, removed.has(index) ? undefined : markerOf(index), 'after deleting half'),
  );
  return [tally];
};
