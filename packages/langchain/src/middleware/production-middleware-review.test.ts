import { setTimeout as sleep } from 'node:timers/promises';
import { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, HumanMessage, type BaseMessage } from '@langchain/core/messages';
import type { ChatResult } from '@langchain/core/outputs';
import { MemorySaver, RunControl } from '@langchain/langgraph';
import type { RedisArgument, RedisConnection } from '@tristack/core/driver-kit';
import {
  RedisAuditLog,
  RedisConversationMemory,
  RedisRateLimiter,
  RedisSemanticCache,
} from '@tristack/redis';
import { useRedis } from '@tristack/testing/redis';
import { createAgent } from 'langchain';
import { describe, expect, it } from 'vitest';
import { productionMiddleware } from './production-middleware.js';

// Regression tests for an outside review of the batched productionMiddleware: a speculative
// limiter charge sent with the cache lookup (1–3), the final audit record awaited after memory's
// append (4), per-run state shared by runs sharing one RunControl (5).

const redis = useRedis();
let prefixes = 0;
const nextPrefix = () => `${redis.prefix}-review${prefixes++}`;

/** A connection whose replies are held back `ms`, as on a modest network. */
const slow = (ms: number): RedisConnection => ({
  sendCommand(args: readonly RedisArgument[]) {
    return (redis.client as unknown as RedisConnection).sendCommand(args).finally(() => sleep(ms));
  },
});

/** Answers `ans:<last message>` with usage, after `delay` ms (or `slowFor` ms for those texts). */
class EchoModel extends BaseChatModel {
  calls = 0;
  delay = 0;
  slowFor = new Map<string, number>();
  _llmType() {
    return 'echo';
  }
  override bindTools() {
    return this as never;
  }
  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    this.calls++;
    const last = messages.at(-1)!.text;
    const wait = this.slowFor.get(last) ?? this.delay;
    if (wait > 0) await sleep(wait);
    const message = new AIMessage({
      content: `ans:${last}`,
      usage_metadata: { input_tokens: 1, output_tokens: 1, total_tokens: 2 },
    });
    return { generations: [{ text: message.text, message }] };
  }
}

const rpm = (limit: number) => [
  { name: 'rpm', algorithm: 'sliding-window' as const, limit, windowMs: 60_000 },
];
const isDenied = (result: { messages: BaseMessage[] }) => /Rate limit/.test(result.messages.at(-1)!.text);
const run = (userId: string, conversationId: string) => ({
  context: { tenantId: 'acme', userId, conversationId },
});

describe('productionMiddleware: the limiter charges a cache miss only', () => {
  it('a cache hit does not deny another user’s concurrent miss (finding 1)', async () => {
    const on = { client: slow(20), prefix: nextPrefix() };
    const cache = await RedisSemanticCache.create(on);
    const limiter = new RedisRateLimiter({ ...on, limits: rpm(2) });
    const model = new EchoModel({});
    model.delay = 200;
    const agent = createAgent({
      model,
      middleware: productionMiddleware({ cache, limiter, telemetry: false }),
    });
    // 1 of 2 requests used; the answer is cached for ada.
    await agent.invoke({ messages: [new HumanMessage('faq')] }, run('ada', 'c'));
    const [hit, miss] = await Promise.all([
      agent.invoke({ messages: [new HumanMessage('faq')] }, run('ada', 'c')),
      agent.invoke({ messages: [new HumanMessage('other')] }, run('bob', 'c')),
    ]);
    expect(hit.messages.at(-1)!.text).toBe('ans:faq');
    expect(isDenied(miss)).toBe(false);
    expect(miss.messages.at(-1)!.text).toBe('ans:other');
    expect(model.calls).toBe(2);
  });

  it('10 hits and 10 misses at once, limit 10: every miss is admitted (finding 1)', async () => {
    const on = { client: slow(20), prefix: nextPrefix() };
    const cache = await RedisSemanticCache.create(on);
    const limiter = new RedisRateLimiter({ ...on, limits: rpm(10) });
    const model = new EchoModel({});
    const warm = createAgent({ model, middleware: productionMiddleware({ cache, telemetry: false }) });
    for (let i = 0; i < 10; i++)
      await warm.invoke({ messages: [new HumanMessage(`hit ${i}`)] }, run('ada', `w${i}`));
    const agent = createAgent({
      model,
      middleware: productionMiddleware({ cache, limiter, telemetry: false }),
    });
    const runs = [];
    for (let i = 0; i < 10; i++) {
      runs.push(agent.invoke({ messages: [new HumanMessage(`hit ${i}`)] }, run('ada', `h${i}`)));
      runs.push(agent.invoke({ messages: [new HumanMessage(`miss ${i}`)] }, run('ada', `m${i}`)));
    }
    const results = await Promise.all(runs);
    expect(results.filter(isDenied).map((result) => result.messages[0]!.text)).toEqual([]);
    // The budget is spent by the 10 misses exactly: the next call is denied.
    await expect(limiter.limit({ default: 'tenant=acme' })).resolves.toMatchObject({ allowed: false });
  }, 30_000);

  it('with structuredOutput, each miss is charged once (finding 2)', async () => {
    const on = { client: slow(5), prefix: nextPrefix() };
    const cache = await RedisSemanticCache.create(on);
    const limiter = new RedisRateLimiter({ ...on, limits: rpm(4) });
    const model = new EchoModel({});
    model.delay = 200;
    const agent = createAgent({
      model,
      middleware: productionMiddleware({ cache, limiter, structuredOutput: {}, telemetry: false }),
    });
    const results = await Promise.all(
      [1, 2, 3, 4].map((i) => agent.invoke({ messages: [new HumanMessage(`q${i}`)] }, run(`u${i}`, 'c'))),
    );
    expect(results.filter(isDenied)).toHaveLength(0);
    expect(model.calls).toBe(4);
  });

  it('a slow cache hit leaves a token bucket as it found it (finding 3)', async () => {
    const on = { client: redis.client as unknown as RedisConnection, prefix: nextPrefix() };
    const cache = await RedisSemanticCache.create(on);
    const limiter = new RedisRateLimiter({
      ...on,
      limits: [{ name: 'tb', algorithm: 'token-bucket', limit: 1, windowMs: 1000 }],
    });
    const model = new EchoModel({});
    const warm = createAgent({ model, middleware: productionMiddleware({ cache, telemetry: false }) });
    await warm.invoke({ messages: [new HumanMessage('faq')] }, run('ada', 'w'));
    const agent = createAgent({
      model,
      middleware: productionMiddleware({ cache, limiter, telemetry: false }),
    });
    const lookup = cache.lookup.bind(cache);
    // A hit whose lookup takes longer than the bucket's refill (a slow remote embedder).
    cache.lookup = async (request, options) => {
      const found = await lookup(request, options);
      if (found.hit) await sleep(1100);
      return found;
    };
    const hit = agent.invoke({ messages: [new HumanMessage('faq')] }, run('ada', 'h'));
    await sleep(1050);
    const first = await agent.invoke({ messages: [new HumanMessage('m1')] }, run('ada', 'm1'));
    expect((await hit).messages.at(-1)!.text).toBe('ans:faq');
    await sleep(50);
    // 1 a second, burst 1: the first miss took the only token; this one, well within the second, is denied.
    const second = await agent.invoke({ messages: [new HumanMessage('m2')] }, run('ada', 'm2'));
    expect(isDenied(first)).toBe(false);
    expect(isDenied(second)).toBe(true);
  });
});

describe('productionMiddleware: writes after the answer', () => {
  it('a failed audit record of the final answer (onError throw) fails the run before memory appends (finding 4)', async () => {
    const on = { client: slow(5), prefix: nextPrefix() };
    const cache = await RedisSemanticCache.create(on);
    const memory = new RedisConversationMemory(on);
    const auditLog = new RedisAuditLog(on);
    const record = auditLog.record.bind(auditLog);
    let failing = true;
    const failOnce: typeof auditLog.record = async (event) => {
      if (failing && event.type === 'model.call.finished') {
        await sleep(10);
        throw new Error('audit down');
      }
      return record(event);
    };
    auditLog.record = failOnce;
    const model = new EchoModel({});
    const agent = createAgent({
      model,
      middleware: productionMiddleware({ cache, memory, auditLog, telemetry: false }),
    });
    const address = { tenantId: 'acme', userId: 'ada', conversationId: 'c1' };
    await expect(agent.invoke({ messages: [new HumanMessage('hello')] }, run('ada', 'c1'))).rejects.toThrow();
    // Memory is unchanged: the client's retry does not duplicate the turn.
    expect(await memory.read(address, {})).toEqual([]);
    failing = false;
    const retried = await agent.invoke({ messages: [new HumanMessage('hello')] }, run('ada', 'c1'));
    expect(retried.messages.at(-1)!.text).toBe('ans:hello');
    expect((await memory.read(address, {})).map((message) => message.content)).toEqual([
      'hello',
      'ans:hello',
    ]);
  });

  it('with audit onError ignore, a failed final record leaves the turn in memory', async () => {
    const on = { client: slow(5), prefix: nextPrefix() };
    const memory = new RedisConversationMemory(on);
    const auditLog = new RedisAuditLog(on);
    auditLog.record = () => Promise.reject(new Error('audit down'));
    const agent = createAgent({
      model: new EchoModel({}),
      middleware: productionMiddleware({
        memory,
        auditLog: { auditLog, onError: 'ignore' },
        telemetry: false,
      }),
    });
    const done = await agent.invoke({ messages: [new HumanMessage('hi')] }, run('ada', 'c1'));
    expect(done.messages.at(-1)!.text).toBe('ans:hi');
    const stored = await memory.read({ tenantId: 'acme', userId: 'ada', conversationId: 'c1' }, {});
    expect(stored.map((message) => message.content)).toEqual(['hi', 'ans:hi']);
  });
});

describe('productionMiddleware: per-run state', () => {
  it('two concurrent runs of different conversations sharing one RunControl keep their memory apart (finding 5)', async () => {
    const memory = new RedisConversationMemory({ client: slow(5), prefix: nextPrefix() });
    const model = new EchoModel({});
    // a2's model call outlasts b2's run: b2's run ends while a2's is under way.
    model.slowFor.set('a2', 300);
    const agent = createAgent({
      model,
      checkpointer: new MemorySaver(),
      middleware: productionMiddleware({ memory, telemetry: false }),
    });
    const config = (conversationId: string, control?: RunControl) => ({
      ...run('ada', conversationId),
      configurable: { thread_id: conversationId },
      ...(control ? { control } : {}),
    });
    await agent.invoke({ messages: [new HumanMessage('a1')] }, config('A'));
    await agent.invoke({ messages: [new HumanMessage('b1')] }, config('B'));
    const control = new RunControl();
    await Promise.all([
      agent.invoke({ messages: [new HumanMessage('a2')] }, config('A', control)),
      agent.invoke({ messages: [new HumanMessage('b2')] }, config('B', control)),
    ]);
    const contents = async (conversationId: string) =>
      (await memory.read({ tenantId: 'acme', userId: 'ada', conversationId }, {})).map(
        (message) => message.content,
      );
    expect(await contents('A')).toEqual(['a1', 'ans:a1', 'a2', 'ans:a2']);
    expect(await contents('B')).toEqual(['b1', 'ans:b1', 'b2', 'ans:b2']);
  });
});
