import { recordingConnection, useRedis } from '@tristack/testing/redis';
import { describe, expect, it } from 'vitest';
import { RedisNodeCache } from './redis-node-cache.js';

const redis = useRedis();

describe('RedisNodeCache', () => {
  it('gets hits only (one MGET), sets with TTL in one script, clears by namespace without KEYS', async () => {
    const connection = recordingConnection(redis.client);
    const cache = new RedisNodeCache({ client: connection });
    await cache.set([
      { key: [['__pregel_ns_writes', 'a'], 'x'], value: [['out', 1]] },
      { key: [['__pregel_ns_writes', 'b'], 'y'], value: { big: 'v' }, ttl: 60 },
    ]);
    connection.clear();
    const hits = await cache.get([
      [['__pregel_ns_writes', 'a'], 'x'],
      [['__pregel_ns_writes', 'a'], 'missing'],
      [['__pregel_ns_writes', 'b'], 'y'],
    ]);
    expect(connection.names()).toEqual(['MGET']);
    expect(hits.map((hit) => hit.value)).toEqual([[['out', 1]], { big: 'v' }]);
    const ttlKey = (await redis.client.keys('*:e:*')).find((key) => key.endsWith(':y'))!;
    expect(await redis.client.pTTL(ttlKey)).toBeGreaterThan(50_000);
    await cache.clear([['unrelated']]); // loads the script (EVALSHA, then EVAL once)
    connection.clear();
    await cache.clear([['__pregel_ns_writes', 'a']]);
    expect(connection.names()).toEqual(['EVALSHA']);
    expect((await cache.get([[['__pregel_ns_writes', 'a'], 'x']])).length).toBe(0);
    expect((await cache.get([[['__pregel_ns_writes', 'b'], 'y']])).length).toBe(1);
    await cache.clear([]);
    expect(await redis.client.dbSize()).toBe(0);
  });

  it('caches a LangGraph node across invocations', async () => {
    const { Annotation, StateGraph, START, END } = await import('@langchain/langgraph');
    let calls = 0;
    const State = Annotation.Root({ input: Annotation<number>(), output: Annotation<number>() });
    const graph = new StateGraph(State)
      .addNode('slow', (state) => ({ output: (calls++, state.input * 2) }), { cachePolicy: { ttl: 60 } })
      .addEdge(START, 'slow')
      .addEdge('slow', END)
      .compile({ cache: new RedisNodeCache({ client: redis.client }) });
    expect((await graph.invoke({ input: 2 })).output).toBe(4);
    expect((await graph.invoke({ input: 2 })).output).toBe(4);
    expect((await graph.invoke({ input: 3 })).output).toBe(6);
    expect(calls).toBe(2);
  });
});
