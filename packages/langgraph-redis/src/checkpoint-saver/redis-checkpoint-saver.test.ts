import { setTimeout as sleep } from 'node:timers/promises';
import { MemorySaver } from '@langchain/langgraph';
import { emptyCheckpoint, uuid6, type Checkpoint } from '@langchain/langgraph-checkpoint';
import { BackendUnavailableError, InvalidInputError, LeaseLostError } from '@tristack/core';
import { RedisConversationLease } from '@tristack/redis';
import { recordingConnection, useRedis } from '@tristack/testing/redis';
import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import { buildAgentGraph, runTurns, transcript } from './agent-graph.fixture.js';
import { RedisCheckpointSaver } from './redis-checkpoint-saver.js';

const redis = useRedis();

function checkpoint(channelValues: Record<string, unknown> = {}): Checkpoint {
  const base = emptyCheckpoint();
  return {
    ...base,
    id: uuid6(-3),
    channel_values: channelValues,
    channel_versions: Object.fromEntries(Object.keys(channelValues).map((key) => [key, 1])),
  };
}

const metadata = { source: 'loop' as const, step: 0, parents: {} };

/** Every key the server holds, with its type (the worker's own database). */
async function keysOf(pattern: string): Promise<string[]> {
  return (await redis.client.keys(pattern)).sort();
}

describe('RedisCheckpointSaver', () => {
  it('runs a tool-calling graph with interrupts exactly like MemorySaver (differential oracle)', async () => {
    const memory = new MemorySaver();
    const saver = new RedisCheckpointSaver({ client: redis.client });
    const withMemory = buildAgentGraph(memory, { approvalEvery: 2 });
    const withRedis = buildAgentGraph(saver, { approvalEvery: 2 });
    await runTurns(withMemory, 'thread-1', 1, 5);
    await runTurns(withRedis, 'thread-1', 1, 5);
    const [expected, actual] = await Promise.all([
      withMemory.getState({ configurable: { thread_id: 'thread-1' } }),
      withRedis.getState({ configurable: { thread_id: 'thread-1' } }),
    ]);
    expect(transcript(actual.values.messages)).toEqual(transcript(expected.values.messages));
    expect(actual.values.approvals).toBe(2);
    // The history has the same shape: same number of checkpoints, same sources and steps, newest first.
    const shape = async (graph: typeof withRedis) => {
      const rows: string[] = [];
      for await (const state of graph.getStateHistory({ configurable: { thread_id: 'thread-1' } }))
        rows.push(
          `${state.metadata?.source}:${state.metadata?.step}:${state.next.join(',')}:${state.tasks.length}`,
        );
      return rows;
    };
    expect(await shape(withRedis)).toEqual(await shape(withMemory));
    expect((await shape(withRedis)).length).toBeGreaterThan(20);
  });

  it('returns pending writes in writesSortKey order, like MemorySaver, whatever order they were put in', async () => {
    const savers = [new MemorySaver(), new RedisCheckpointSaver({ client: redis.client })];
    const results = [];
    for (const saver of savers) {
      const config = await saver.put({ configurable: { thread_id: 'w' } }, checkpoint(), metadata, {});
      await saver.putWrites(
        config,
        [
          ['b', 1],
          ['a', 2],
        ],
        'task-z',
        '~1',
      );
      await saver.putWrites(config, [['c', 3]], 'task-a', '~2');
      await saver.putWrites(config, [['d', 4]], 'task-b', '~0');
      await saver.putWrites(config, [['__error__', 'boom']], 'task-z', '~1');
      // Regular writes are insert-if-absent, special ones overwrite.
      await saver.putWrites(config, [['b', 'changed']], 'task-z', '~1');
      await saver.putWrites(config, [['__error__', 'boom 2']], 'task-z', '~1');
      results.push((await saver.getTuple(config))!.pendingWrites);
    }
    expect(results[1]).toEqual(results[0]);
    expect(results[1]).toEqual([
      ['task-b', 'd', 4],
      ['task-z', '__error__', 'boom 2'],
      ['task-z', 'b', 1],
      ['task-z', 'a', 2],
      ['task-a', 'c', 3],
    ]);
  });

  it('puts a checkpoint and its writes in one round trip each, reads the latest in one', async () => {
    const connection = recordingConnection(redis.client);
    const saver = new RedisCheckpointSaver({ client: connection });
    const first = await saver.put({ configurable: { thread_id: 't' } }, checkpoint({ a: 1 }), metadata, {
      a: 1,
    });
    connection.clear();
    const second = await saver.put(first, checkpoint({ a: 1, b: 2 }), metadata, { b: 1 });
    expect(connection.names()).toEqual(['EVALSHA']);
    connection.clear();
    await saver.putWrites(
      second,
      [
        ['a', 5],
        ['b', 6],
      ],
      'task',
    );
    expect(connection.names()).toEqual(['EVALSHA']);
    connection.clear();
    const latest = await saver.getTuple({ configurable: { thread_id: 't' } });
    expect(connection.names()).toEqual(['EVALSHA']);
    expect(latest?.checkpoint.channel_values).toEqual({ a: 1, b: 2 });
    expect(latest?.parentConfig?.configurable?.checkpoint_id).toBe(first.configurable?.checkpoint_id);
    expect(connection.commands.flat().some((part) => /^(KEYS|SCAN)$/i.test(part))).toBe(false);
  });

  it('stores an unchanged channel once, not once per checkpoint', async () => {
    const saver = new RedisCheckpointSaver({ client: redis.client });
    const big = 'x'.repeat(50_000);
    let config = await saver.put({ configurable: { thread_id: 't' } }, checkpoint({ big, n: 0 }), metadata, {
      big: 1,
      n: 1,
    });
    for (let step = 1; step <= 20; step++) {
      const next = checkpoint({ big, n: step });
      next.channel_versions = { big: 1, n: step + 1 };
      config = await saver.put(config, next, metadata, { n: step + 1 });
    }
    const blobs = (await keysOf('*blobs'))[0]!;
    expect(await redis.client.hLen(blobs)).toBe(22);
    // SAMPLES 0 measures every field: the default estimate extrapolates from 5 sampled fields.
    const bytes = await redis.client.sendCommand(['MEMORY', 'USAGE', blobs, 'SAMPLES', '0']);
    expect(Number(bytes)).toBeLessThan(2 * big.length);
    const latest = await saver.getTuple({ configurable: { thread_id: 't' } });
    expect(latest?.checkpoint.channel_values).toEqual({ big, n: 20 });
  });

  it('escapes thread ids: a glob or brace in one id touches no other thread', async () => {
    const saver = new RedisCheckpointSaver({ client: redis.client });
    for (const threadId of ['a*', 'ab', 'a{b}', 'a?'])
      await saver.put({ configurable: { thread_id: threadId } }, checkpoint({ v: threadId }), metadata, {
        v: 1,
      });
    await saver.deleteThread('a*');
    expect(await saver.getTuple({ configurable: { thread_id: 'a*' } })).toBeUndefined();
    for (const threadId of ['ab', 'a{b}', 'a?'])
      expect(
        (await saver.getTuple({ configurable: { thread_id: threadId } }))?.checkpoint.channel_values,
      ).toEqual({ v: threadId });
    const listed = [];
    for await (const tuple of saver.list({})) listed.push(tuple.config.configurable?.thread_id);
    expect(listed.sort()).toEqual(['a?', 'ab', 'a{b}']);
  });

  it('expires an abandoned thread after ttlMs, refreshed by every write', async () => {
    const saver = new RedisCheckpointSaver({ client: redis.client, ttlMs: 60_000 });
    const config = await saver.put({ configurable: { thread_id: 't' } }, checkpoint({ a: 1 }), metadata, {
      a: 1,
    });
    await saver.putWrites(config, [['a', 2]], 'task');
    const keys = await keysOf('tristack:langgraph:{t}:*');
    // checkpoints, data, blobs, write-index, writes (the sixth, meta, exists only with fencing).
    expect(keys.length).toBe(5);
    for (const key of keys) {
      const ttl = await redis.client.pTTL(key);
      expect(ttl).toBeGreaterThan(50_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
    }
    const short = new RedisCheckpointSaver({ client: redis.client, ttlMs: 50 });
    await short.put({ configurable: { thread_id: 'gone' } }, checkpoint({ a: 1 }), metadata, { a: 1 });
    await sleep(120);
    expect(await short.getTuple({ configurable: { thread_id: 'gone' } })).toBeUndefined();
  });

  it('slides the TTL on read when refreshTtlOnRead is set', async () => {
    const saver = new RedisCheckpointSaver({ client: redis.client, ttlMs: 60_000, refreshTtlOnRead: true });
    await saver.put({ configurable: { thread_id: 't' } }, checkpoint({ a: 1 }), metadata, { a: 1 });
    const key = (await keysOf('*:checkpoints'))[0]!;
    await redis.client.pExpire(key, 1_000);
    await saver.getTuple({ configurable: { thread_id: 't' } });
    expect(await redis.client.pTTL(key)).toBeGreaterThan(50_000);
  });

  it('rejects a put from a stale lease holder when fencing is on; the chain stays linear', async () => {
    const leases = new RedisConversationLease({ client: redis.client });
    const saver = new RedisCheckpointSaver({ client: redis.client, fencing: true });
    const stale = await leases.acquire('thread-f', { ttlMs: 1_000 });
    const staleConfig = { configurable: { thread_id: 'thread-f', fencing_token: stale.fencingToken } };
    const first = await saver.put(staleConfig, checkpoint({ a: 1 }), metadata, { a: 1 });
    // The holder stalls past its TTL; another worker takes the lease with a higher token.
    await redis.client.del(`tristack:lease:{thread-f}`);
    const fresh = await leases.acquire('thread-f', { ttlMs: 10_000 });
    expect(fresh.fencingToken).toBeGreaterThan(stale.fencingToken);
    const freshConfig = { configurable: { ...first.configurable, fencing_token: fresh.fencingToken } };
    const second = await saver.put(freshConfig, checkpoint({ a: 2 }), metadata, { a: 2 });
    const rejected = saver.put(
      { configurable: { ...first.configurable, fencing_token: stale.fencingToken } },
      checkpoint({ a: 3 }),
      metadata,
      { a: 3 },
    );
    await expect(rejected).rejects.toBeInstanceOf(LeaseLostError);
    await expect(
      saver.putWrites(
        { configurable: { ...second.configurable, fencing_token: stale.fencingToken } },
        [['a', 9]],
        'x',
      ),
    ).rejects.toMatchObject({ code: 'LEASE_LOST', currentFencingToken: fresh.fencingToken });
    const chain = [];
    for await (const tuple of saver.list({ configurable: { thread_id: 'thread-f' } }))
      chain.push([tuple.checkpoint.id, tuple.parentConfig?.configurable?.checkpoint_id]);
    expect(chain).toEqual([
      [second.configurable?.checkpoint_id, first.configurable?.checkpoint_id],
      [first.configurable?.checkpoint_id, undefined],
    ]);
    // Without a live lease even the newest token is refused.
    await leases.release(fresh);
    await expect(saver.put(freshConfig, checkpoint({ a: 4 }), metadata, { a: 4 })).rejects.toBeInstanceOf(
      LeaseLostError,
    );
    await expect(
      saver.put({ configurable: { thread_id: 'thread-f' } }, checkpoint(), metadata, {}),
    ).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('rejects bad input with InvalidInputError and writes nothing', async () => {
    const saver = new RedisCheckpointSaver({ client: redis.client });
    const bad = [
      { configurable: { thread_id: '' } },
      { configurable: { thread_id: 'x'.repeat(300) } },
      { configurable: { thread_id: 't', checkpoint_ns: 'a\0b' } },
    ];
    for (const config of bad)
      await expect(saver.put(config, checkpoint(), metadata, {})).rejects.toBeInstanceOf(InvalidInputError);
    await expect(saver.putWrites({ configurable: { thread_id: 't' } }, [], 'task')).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    expect(await redis.client.dbSize()).toBe(0);
    expect(() => new RedisCheckpointSaver({ client: redis.client, ttlMs: -1 })).toThrow(/ttlMs/);
    expect(() => new RedisCheckpointSaver({ client: redis.client, prefix: 'a:b' })).toThrow(/prefix/);
  });

  it('fails with BackendUnavailableError when Redis is unreachable', async () => {
    const dead = createClient({ url: 'redis://127.0.0.1:1', socket: { reconnectStrategy: false } });
    dead.on('error', () => {});
    const saver = new RedisCheckpointSaver({ client: dead });
    await expect(
      saver.put({ configurable: { thread_id: 't' } }, checkpoint(), metadata, {}),
    ).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(saver.getTuple({ configurable: { thread_id: 't' } })).rejects.toBeInstanceOf(
      BackendUnavailableError,
    );
  });
});
