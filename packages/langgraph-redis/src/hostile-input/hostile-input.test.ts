import { InvalidNamespaceError } from '@langchain/langgraph-checkpoint';
import { TristackError } from '@tristack/core';
import { snapshotKeys, useRedis } from '@tristack/testing/redis';
import { afterAll, describe, expect, it } from 'vitest';
import { describeError, HOSTILE_VALUE_NAMES, hostileValue, settle } from '@tristack/testing/hostile-input';
import { RedisCheckpointSaver } from '../checkpoint-saver/redis-checkpoint-saver.js';
import { RedisNodeCache } from '../node-cache/redis-node-cache.js';
import { RedisStore } from '../store/redis-store.js';
import {
  LANGGRAPH_HOSTILE_CASES,
  type LangGraphAdapters,
  type LangGraphHostileCase,
} from './langgraph-hostile-cases.fixture.js';

/**
 * Every id-, namespace-, value- and TTL-taking position of the LangGraph adapters × every hostile
 * value, on a real server: a typed error and a database that did not change (`snapshotKeys`), or —
 * for values the position documents as valid — success. Typed means a `TristackError`, or
 * LangGraph's own `InvalidNamespaceError`, which `BaseStore` documents for bad namespace labels.
 * Never a RangeError, TypeError or raw Redis `ERR`.
 */
const redis = useRedis();

const tally = { tried: 0, typed: 0, langGraphTyped: 0, accepted: 0, partialWrites: 0, untyped: 0 };

afterAll(() => {
  console.log(
    `[tristack] langgraph-redis hostile-input table: ${tally.tried} inputs tried, ${tally.typed} typed errors ` +
      `(${tally.langGraphTyped} of them LangGraph's InvalidNamespaceError), ${tally.accepted} accepted, ` +
      `${tally.partialWrites} partial writes, ${tally.untyped} untyped errors`,
  );
});

function adapters(): LangGraphAdapters {
  const client = redis.client;
  return {
    client,
    cache: new RedisNodeCache({ client }),
    saver: new RedisCheckpointSaver({ client }),
    fencedSaver: new RedisCheckpointSaver({ client, fencing: { requireLiveLease: false } }),
    store: new RedisStore({ client }),
  };
}

/** Runs one case with every value; returns what went wrong, one line per value. */
async function runCase(hostileCase: LangGraphHostileCase): Promise<string[]> {
  const problems: string[] = [];
  for (const name of HOSTILE_VALUE_NAMES) {
    await redis.client.flushDb();
    const under = adapters();
    const context = await hostileCase.setup?.(under);
    const before = await snapshotKeys(redis.client);
    const { error } = await settle(() => hostileCase.call(under, hostileValue(name), context));
    const after = await snapshotKeys(redis.client);
    const accepted = hostileCase.accepts?.includes(name) ?? false;
    tally.tried++;
    if (error === undefined) {
      tally.accepted++;
      if (!accepted) problems.push(`${name}: accepted, expected a typed error`);
      continue;
    }
    const langGraphTyped = error instanceof InvalidNamespaceError;
    if (!TristackError.isInstance(error) && !langGraphTyped) {
      tally.untyped++;
      problems.push(`${name}: untyped ${describeError(error)}`);
    } else {
      tally.typed++;
      if (langGraphTyped) tally.langGraphTyped++;
      if (accepted) problems.push(`${name}: expected to be accepted, got ${describeError(error)}`);
    }
    if (JSON.stringify(before) !== JSON.stringify(after)) {
      tally.partialWrites++;
      const changed = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter(
        (key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]),
      );
      problems.push(`${name}: rejected, but changed ${changed.join(', ')}`);
    }
  }
  return problems;
}

describe('hostile input: LangGraph adapters on Redis', () => {
  it('the key snapshot sees a write of each adapter (so "nothing changed" means something)', async () => {
    const under = adapters();
    const writes: [string, () => Promise<unknown>][] = [
      ['cache', () => under.cache.set([{ key: [['node'], 'k'], value: 1 }])],
      [
        'saver',
        () =>
          under.saver.put(
            { configurable: { thread_id: 't', checkpoint_ns: '' } },
            {
              v: 4,
              id: '1ef4f797-8335-6428-8001-8a1503f9b875',
              ts: '2024-07-31T20:14:19.804150+00:00',
              channel_values: {},
              channel_versions: {},
              versions_seen: {},
            },
            { source: 'input', step: -1, parents: {} },
            {},
          ),
      ],
      ['store', () => under.store.put(['notes'], 'k', { n: 1 })],
    ];
    for (const [what, write] of writes) {
      const before = await snapshotKeys(redis.client);
      await write();
      expect(JSON.stringify(await snapshotKeys(redis.client)), what).not.toBe(JSON.stringify(before));
    }
  });

  for (const hostileCase of LANGGRAPH_HOSTILE_CASES)
    it(`${hostileCase.api} ${hostileCase.position}`, { timeout: 120_000 }, async () => {
      expect(await runCase(hostileCase)).toEqual([]);
    });
});
