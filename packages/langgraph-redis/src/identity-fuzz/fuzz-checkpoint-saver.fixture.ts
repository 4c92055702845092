// The checkpoint saver with hostile thread ids and checkpoint namespaces: each thread and each
// namespace reads, lists and deletes only its own checkpoint.
import type { RunnableConfig } from '@langchain/core/runnables';
import { emptyCheckpoint, uuid6, type Checkpoint } from '@langchain/langgraph-checkpoint';
import type { FuzzCase, FuzzTarget } from '@tristack/testing/hostile-input';
import {
  hasNoLoneSurrogate,
  hostileIds,
  IdentityTally,
  inChunks,
  markerOf,
  prefixFor,
} from '@tristack/testing/hostile-input';
import { RedisCheckpointSaver } from '../checkpoint-saver/redis-checkpoint-saver.js';

const metadata = { source: 'loop' as const, step: 0, parents: {} };

function checkpointOf(marker: string): Checkpoint {
  return { ...emptyCheckpoint(), id: uuid6(-3), channel_values: { marker }, channel_versions: { marker: 1 } };
}

interface SaverDimension {
  api: string;
  config(id: string): RunnableConfig;
  acceptable?: (id: string) => boolean;
  /** Deletes the id's checkpoint (threads only: a namespace has no delete of its own). */
  remove?(saver: RedisCheckpointSaver, id: string): Promise<void>;
}

async function fuzzSaver(target: FuzzTarget, dimension: SaverDimension): Promise<IdentityTally> {
  const saver = new RedisCheckpointSaver({ client: target.client, prefix: prefixFor(target, dimension.api) });
  const tally = new IdentityTally(dimension.api, dimension.acceptable);
  const ids = hostileIds(dimension.api, target.count);
  const accepted: number[] = [];
  await inChunks(ids, target.concurrency, async (id, index) => {
    const outcome = await tally.attempt(id, () =>
      saver.put(dimension.config(id), checkpointOf(markerOf(index)), metadata, { marker: 1 }),
    );
    if (outcome === 'accepted') accepted.push(index);
  });
  const expectMarker = async (index: number, expected: string | undefined, when: string) => {
    const id = ids[index]!;
    const tuple = await tally.check(id, () => saver.getTuple(dimension.config(id)));
    if (tuple === undefined && expected === undefined) return;
    const marker = tuple?.checkpoint.channel_values.marker;
    if (marker !== expected) tally.collision(id, `${when}: getTuple reads ${JSON.stringify(marker)}`);
  };
  await inChunks(accepted, target.concurrency, async (index) => {
    const id = ids[index]!;
    await expectMarker(index, markerOf(index), 'after put');
    const listed = await tally.check(id, async () => {
      const markers: unknown[] = [];
      for await (const tuple of saver.list(dimension.config(id)))
        markers.push(tuple.checkpoint.channel_values.marker);
      return markers;
    });
    if (listed && JSON.stringify(listed) !== JSON.stringify([markerOf(index)]))
      tally.collision(id, `list reads ${JSON.stringify(listed)}`);
  });
  if (dimension.remove) {
    const removed = new Set(accepted.filter((_, position) => position % 2 === 0));
    await inChunks([...removed], target.concurrency, (index) =>
      tally.check(ids[index]!, () => dimension.remove!(saver, ids[index]!)).then(() => undefined),
    );
    await inChunks(accepted, target.concurrency, (index) =>
      expectMarker(index, removed.has(index) ? undefined : markerOf(index), 'after deleting half'),
    );
  }
  return tally;
}

export const fuzzCheckpointSaver: FuzzCase = async (target) => [
  await fuzzSaver(target, {
    api: 'checkpoint saver thread_id',
    config: (id) => ({ configurable: { thread_id: id } }),
    remove: (saver, id) => saver.deleteThread(id),
  }),
  await fuzzSaver(target, {
    api: 'checkpoint saver checkpoint_ns',
    config: (id) => ({ configurable: { thread_id: 'fuzz', checkpoint_ns: id } }),
    // A namespace may be empty and up to 1024 characters; NUL ends it in stored members, and a
    // lone surrogate would reach Redis as U+FFFD (the same bytes as another namespace).
    acceptable: (id) => [...id].length <= 1024 && !id.includes('\0') && hasNoLoneSurrogate(id),
  }),
];
