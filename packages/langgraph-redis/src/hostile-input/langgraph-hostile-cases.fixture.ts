import type { RunnableConfig } from '@langchain/core/runnables';
import { emptyCheckpoint, uuid6, type Checkpoint } from '@langchain/langgraph-checkpoint';
import type { RedisClientType } from 'redis';
import type { HostileValueName } from '@tristack/testing/hostile-input';
import { HOSTILE_VALUE_NAMES } from '@tristack/testing/hostile-input';
import { RedisCheckpointSaver } from '../checkpoint-saver/redis-checkpoint-saver.js';
import { RedisNodeCache } from '../node-cache/redis-node-cache.js';
import { RedisStore } from '../store/redis-store.js';

/** The adapters under test, on one real server. */
export interface LangGraphAdapters {
  readonly client: RedisClientType;
  readonly cache: RedisNodeCache;
  readonly saver: RedisCheckpointSaver;
  /** `fencing: { requireLiveLease: false }`: every write carries `configurable.fencing_token`. */
  readonly fencedSaver: RedisCheckpointSaver;
  readonly store: RedisStore;
}

/**
 * One argument position of one public API. Every hostile value must end in a typed error with
 * nothing changed, except the values in `accepts`: valid there, so they must succeed.
 */
export interface LangGraphHostileCase {
  readonly api: string;
  readonly position: string;
  readonly accepts?: readonly HostileValueName[];
  /** State the call needs (a stored checkpoint), created before the "before" snapshot. */
  readonly setup?: (adapters: LangGraphAdapters) => Promise<unknown>;
  readonly call: (adapters: LangGraphAdapters, value: unknown, context: unknown) => Promise<unknown>;
}

// Hostile values reach typed parameters on purpose: the table calls the APIs as untyped JavaScript would.
type Loose = never;

/** Finite numbers: a numeric `thread_id` is accepted as its decimal text. */
const FINITE_NUMBERS: HostileValueName[] = ['1e308', '2^53', '-1', '0'];
/** Strings with no documented length limit (labels, keys). */
const ANY_STRING: HostileValueName[] = ["''", '1 MiB string'];
/**
 * A value the checkpoint serializer (LangGraph's `JsonPlusSerializer`) stores its own way: NaN and
 * ±Infinity become `null` and a cycle `"[Circular]"`, as with LangGraph's in-memory savers.
 * Only what it cannot write at all (depth 10,000, a getter or Proxy that throws while read) must be
 * a typed error; it writes an object's own fields without calling `toJSON`, so a throwing one is stored.
 */
const SERDE_UNWRITABLE: readonly HostileValueName[] = ['depth 10,000', 'throwing getter', 'throwing Proxy'];
const SERDE_VALUES: HostileValueName[] = HOSTILE_VALUE_NAMES.filter(
  (name) => !SERDE_UNWRITABLE.includes(name),
);
/** JSON scalars inside a store value: valid. */
const JSON_SCALARS: HostileValueName[] = ['1e308', '2^53', '-1', '0', "''", '1 MiB string', 'wrong type'];

const THREAD = 'thread-a';
const config = (configurable: Record<string, unknown> = {}): RunnableConfig => ({
  configurable: { thread_id: THREAD, checkpoint_ns: '', ...configurable },
});
const metadata = { source: 'input' as const, step: -1, parents: {} };

function checkpoint(overrides: Partial<Checkpoint> = {}): Checkpoint {
  return {
    ...emptyCheckpoint(),
    id: uuid6(-1),
    channel_values: { messages: 'hi' },
    channel_versions: { messages: 1 },
    ...overrides,
  };
}

/** A stored checkpoint of `thread-a`: its config addresses it for `putWrites` and `getTuple`. */
async function storedCheckpoint(adapters: LangGraphAdapters): Promise<RunnableConfig> {
  return adapters.saver.put(config(), checkpoint(), metadata, { messages: 1 });
}

function putWith(
  adapters: LangGraphAdapters,
  configurable: Record<string, unknown>,
  stored = checkpoint(),
): Promise<unknown> {
  return adapters.saver.put(config(configurable), stored, metadata, { messages: 1 });
}

export const LANGGRAPH_HOSTILE_CASES: readonly LangGraphHostileCase[] = [
  // ---- node cache ----------------------------------------------------------------------------
  { api: 'cache.get', position: 'keys', call: (a, v) => a.cache.get(v as Loose) },
  {
    api: 'cache.get',
    position: 'key.namespace label',
    accepts: ANY_STRING,
    call: (a, v) => a.cache.get([[[v as Loose], 'k']]),
  },
  {
    api: 'cache.get',
    position: 'key.key',
    accepts: ANY_STRING,
    call: (a, v) => a.cache.get([[['node'], v as Loose]]),
  },
  { api: 'cache.set', position: 'pairs', call: (a, v) => a.cache.set(v as Loose) },
  {
    api: 'cache.set',
    position: 'pair.key.namespace label',
    accepts: ANY_STRING,
    call: (a, v) => a.cache.set([{ key: [[v as Loose], 'k'], value: 1 }]),
  },
  {
    api: 'cache.set',
    position: 'pair.key.key',
    accepts: ANY_STRING,
    call: (a, v) => a.cache.set([{ key: [['node'], v as Loose], value: 1 }]),
  },
  {
    api: 'cache.set',
    position: 'second pair.ttl (after a valid one)',
    accepts: ['0'],
    call: (a, v) =>
      a.cache.set([
        { key: [['node'], 'first'], value: 1, ttl: 60 },
        { key: [['node'], 'second'], value: 2, ttl: v as Loose },
      ]),
  },
  {
    api: 'cache.set',
    position: 'pair.value',
    accepts: SERDE_VALUES,
    call: (a, v) => a.cache.set([{ key: [['node'], 'k'], value: v }]),
  },

  // ---- checkpoint saver ----------------------------------------------------------------------
  {
    api: 'saver.getTuple',
    position: 'configurable.thread_id',
    accepts: FINITE_NUMBERS,
    call: (a, v) => a.saver.getTuple(config({ thread_id: v })),
  },
  {
    api: 'saver.getTuple',
    position: 'configurable.checkpoint_ns',
    accepts: ["''"],
    call: (a, v) => a.saver.getTuple(config({ checkpoint_ns: v })),
  },
  {
    api: 'saver.getTuple',
    position: 'configurable.checkpoint_id',
    // '' is LangGraph's "no checkpoint id": the latest one.
    accepts: ["''"],
    setup: storedCheckpoint,
    call: (a, v) => a.saver.getTuple(config({ checkpoint_id: v })),
  },
  {
    api: 'saver.put',
    position: 'configurable.thread_id',
    accepts: FINITE_NUMBERS,
    call: (a, v) => putWith(a, { thread_id: v }),
  },
  {
    api: 'saver.put',
    position: 'configurable.checkpoint_ns',
    accepts: ["''"],
    call: (a, v) => putWith(a, { checkpoint_ns: v }),
  },
  {
    api: 'saver.put',
    position: 'checkpoint.id',
    call: (a, v) => putWith(a, {}, checkpoint({ id: v as Loose })),
  },
  {
    api: 'saver.put',
    position: 'checkpoint.channel_values (a channel value)',
    accepts: SERDE_VALUES,
    call: (a, v) => putWith(a, {}, checkpoint({ channel_values: { messages: v } })),
  },
  {
    api: 'saver.put',
    position: 'configurable.fencing_token (fencing on)',
    call: (a, v) => a.fencedSaver.put(config({ fencing_token: v }), checkpoint(), metadata, { messages: 1 }),
  },
  {
    api: 'saver.putWrites',
    position: 'configurable.thread_id',
    accepts: FINITE_NUMBERS,
    setup: storedCheckpoint,
    call: (a, v, stored) =>
      a.saver.putWrites(
        { configurable: { ...(stored as RunnableConfig).configurable, thread_id: v } },
        [['messages', 'x']],
        'task-1',
      ),
  },
  {
    api: 'saver.putWrites',
    position: 'configurable.checkpoint_id',
    setup: storedCheckpoint,
    call: (a, v, stored) =>
      a.saver.putWrites(
        { configurable: { ...(stored as RunnableConfig).configurable, checkpoint_id: v } },
        [['messages', 'x']],
        'task-1',
      ),
  },
  {
    api: 'saver.putWrites',
    position: 'taskId',
    setup: storedCheckpoint,
    call: (a, v, stored) => a.saver.putWrites(stored as RunnableConfig, [['messages', 'x']], v as Loose),
  },
  {
    api: 'saver.putWrites',
    position: 'writes',
    setup: storedCheckpoint,
    call: (a, v, stored) => a.saver.putWrites(stored as RunnableConfig, v as Loose, 'task-1'),
  },
  {
    api: 'saver.putWrites',
    position: 'write channel',
    // A channel is a name: any string, '' included (LangGraph does not restrict it).
    accepts: ANY_STRING,
    setup: storedCheckpoint,
    call: (a, v, stored) => a.saver.putWrites(stored as RunnableConfig, [[v as Loose, 'x']], 'task-1'),
  },
  {
    api: 'saver.putWrites',
    position: 'write value',
    accepts: SERDE_VALUES,
    setup: storedCheckpoint,
    call: (a, v, stored) => a.saver.putWrites(stored as RunnableConfig, [['messages', v]], 'task-1'),
  },
  {
    api: 'saver.putWrites',
    position: 'taskPath',
    accepts: ANY_STRING,
    setup: storedCheckpoint,
    call: (a, v, stored) =>
      a.saver.putWrites(stored as RunnableConfig, [['messages', 'x']], 'task-1', v as Loose),
  },
  {
    api: 'new RedisCheckpointSaver + put',
    position: 'options.ttlMs',
    call: async (a, v) => {
      const saver = new RedisCheckpointSaver({ client: a.client, ttlMs: v as Loose });
      await saver.put(config(), checkpoint(), metadata, { messages: 1 });
    },
  },

  // ---- store ---------------------------------------------------------------------------------
  { api: 'store.put', position: 'namespace', call: (a, v) => a.store.put(v as Loose, 'k', { n: 1 }) },
  {
    api: 'store.put',
    position: 'namespace label',
    accepts: ['1 MiB string'],
    call: (a, v) => a.store.put([v as Loose], 'k', { n: 1 }),
  },
  {
    api: 'store.put',
    position: 'key',
    accepts: ANY_STRING,
    call: (a, v) => a.store.put(['notes'], v as Loose, { n: 1 }),
  },
  { api: 'store.put', position: 'value', call: (a, v) => a.store.put(['notes'], 'k', v as Loose) },
  {
    api: 'store.put',
    position: 'value.field',
    accepts: JSON_SCALARS,
    call: (a, v) => a.store.put(['notes'], 'k', { field: v }),
  },
  { api: 'store.get', position: 'namespace', call: (a, v) => a.store.get(v as Loose, 'k') },
  {
    api: 'store.get',
    position: 'namespace label',
    accepts: ['1 MiB string'],
    call: (a, v) => a.store.get([v as Loose], 'k'),
  },
  {
    api: 'store.get',
    position: 'key',
    accepts: ANY_STRING,
    call: (a, v) => a.store.get(['notes'], v as Loose),
  },
  { api: 'store.search', position: 'namespacePrefix', call: (a, v) => a.store.search(v as Loose) },
  {
    api: 'store.search',
    position: 'namespacePrefix label',
    accepts: ['1 MiB string'],
    call: (a, v) => a.store.search([v as Loose]),
  },
  {
    api: 'new RedisStore + put',
    position: 'options.ttlMs',
    call: async (a, v) => {
      const store = new RedisStore({ client: a.client, ttlMs: v as Loose });
      await store.put(['notes'], 'k', { n: 1 });
    },
  },
];
