import type { LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { generateText, streamText, wrapLanguageModel, type ModelMessage } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import {
  BackendUnavailableError,
  InMemoryAuditLog,
  InMemoryConversationMemory,
  InMemorySemanticCache,
  InvalidInputError,
  InvalidOptionsError,
  type AuditLog,
} from '@tristack/core';
import { RedisRateLimiter } from '@tristack/redis';
import { useRedis } from '@tristack/testing/redis';
import { answer, usage } from '../drivers.fixture.js';
import { MissingRunIdentityError, withRunIdentity } from '../run-identity.js';
import { productionMiddleware } from './production-middleware.js';

/** A provider that streams part of an answer, then an `error` part, then `finish`. */
function failsMidStream() {
  let calls = 0;
  const model = new MockLanguageModelV3({
    modelId: 'm',
    doStream: async () => {
      calls += 1;
      const parts: LanguageModelV3StreamPart[] = [
        { type: 'stream-start', warnings: [] },
        { type: 'text-start', id: 't' },
        { type: 'text-delta', id: 't', delta: 'The refund policy is: you can' },
        { type: 'error', error: new Error('Overloaded') },
        { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage: usage(5, 5) },
      ];
      return {
        stream: new ReadableStream({
          start(controller) {
            for (const part of parts) controller.enqueue(part);
            controller.close();
          },
        }),
      };
    },
  });
  return { model, calls: () => calls };
}

const answers = () => {
  let calls = 0;
  return new MockLanguageModelV3({ modelId: 'm', doGenerate: async () => answer(`answer #${++calls}`) });
};

describe('productionMiddleware failure paths', () => {
  const redis = useRedis();

  it('an error part mid-stream: nothing cached or remembered, one audit outcome (failed)', async () => {
    const { model: inner, calls } = failsMidStream();
    const cache = new InMemorySemanticCache();
    const memory = new InMemoryConversationMemory();
    const auditLog = new InMemoryAuditLog();
    const model = wrapLanguageModel({
      model: inner,
      middleware: productionMiddleware({ cache, memory, auditLog }),
    });
    const identity = { tenantId: 't', userId: 'alice', conversationId: 'c' };
    const ask = () =>
      withRunIdentity(identity, async () => {
        const result = streamText({ model, prompt: 'refund policy?', onError: () => {} });
        await result.consumeStream();
      });
    await ask();
    await ask();
    expect(calls()).toBe(2);
    expect(await memory.read(identity)).toEqual([]);
    const events = (await auditLog.query({ tenantId: 't' })).events.map((event) => event.type);
    expect(events).toEqual(['model.call.failed', 'model.call.failed']);
  });

  it("an empty userId '' is a missing identity for the guard and the cache alike", async () => {
    const cache = new InMemorySemanticCache();
    for (const middleware of [
      productionMiddleware({ cache }),
      productionMiddleware({ cache, requireIdentity: false }),
    ]) {
      const model = wrapLanguageModel({ model: answers(), middleware });
      await expect(
        withRunIdentity({ tenantId: 't', userId: '' }, () =>
          generateText({ model, prompt: 'q', maxRetries: 0 }),
        ),
      ).rejects.toBeInstanceOf(MissingRunIdentityError);
    }
  });

  it("a tenant-less user and the same user in tenant 'default' do not share cache entries", async () => {
    const cache = new InMemorySemanticCache();
    const model = wrapLanguageModel({ model: answers(), middleware: productionMiddleware({ cache }) });
    const ask = (identity: { tenantId?: string; userId: string }) =>
      withRunIdentity(identity, () => generateText({ model, prompt: 'what is in my account?' }));
    expect((await ask({ userId: 'bob' })).text).toBe('answer #1');
    expect((await ask({ tenantId: 'default', userId: 'bob' })).text).toBe('answer #2');
    // Each still hits its own entry.
    expect((await ask({ userId: 'bob' })).text).toBe('answer #1');
    expect((await ask({ tenantId: 'default', userId: 'bob' })).text).toBe('answer #2');
  });

  it('memory refuses a client-sent tool call whose input is not JSON before the provider is called', async () => {
    const inner = answers();
    const memory = new InMemoryConversationMemory();
    const model = wrapLanguageModel({ model: inner, middleware: productionMiddleware({ memory }) });
    const messages = [
      { role: 'user', content: 'hi' },
      {
        role: 'assistant',
        content: [{ type: 'tool-call', toolCallId: 'c1', toolName: 'lookup', input: 'not json {' }],
      },
      {
        role: 'tool',
        content: [
          { type: 'tool-result', toolCallId: 'c1', toolName: 'lookup', output: { type: 'text', value: 'x' } },
        ],
      },
      { role: 'user', content: 'and now?' },
    ] as ModelMessage[];
    const error = await withRunIdentity({ userId: 'alice', conversationId: 'c' }, () =>
      generateText({ model, messages, maxRetries: 0 }),
    ).catch((caught: unknown) => caught);
    expect(InvalidInputError.isInstance(error)).toBe(true);
    expect(inner.doGenerateCalls).toHaveLength(0);
  });

  it('a limiter whose store is down: fail-closed is an outage, not a rate limit; fail-open admits and audits it', async () => {
    const client = await redis.newClient();
    const limits = [
      {
        name: 'rpm',
        scope: 'user' as const,
        algorithm: 'fixed-window' as const,
        anchor: 'first-hit' as const,
        limit: 5,
        windowMs: 60_000,
      },
    ];
    const closed = new RedisRateLimiter({ client, prefix: redis.prefix, limits, timeoutMs: 50 });
    const open = new RedisRateLimiter({
      client,
      prefix: redis.prefix,
      limits,
      timeoutMs: 50,
      failurePolicy: 'fail-open',
    });
    await client.close();
    const auditLog = new InMemoryAuditLog();
    const run = (limiter: RedisRateLimiter) =>
      withRunIdentity({ tenantId: 't', userId: 'alice' }, () =>
        generateText({
          model: wrapLanguageModel({
            model: answers(),
            middleware: productionMiddleware({ limiter, auditLog }),
          }),
          prompt: 'q',
          maxRetries: 0,
        }),
      );
    const refused = await run(closed).catch((caught: unknown) => caught);
    expect(BackendUnavailableError.isInstance(refused)).toBe(true);
    expect((await run(open)).text).toBe('answer #1');
    const events = (await auditLog.query({ tenantId: 't' })).events;
    expect(
      events.map((event) => [event.type, (event.data as { error?: { code?: string } }).error?.code]),
    ).toEqual([
      ['model.call.failed', 'BACKEND_UNAVAILABLE'],
      ['model.call.finished', undefined],
    ]);
    expect(events[1]!.data).toMatchObject({ rateLimitUnchecked: 'store-unavailable' });
  });

  it('an audit log carrying onError of its own is refused as ambiguous; { auditLog, onError } is honoured', async () => {
    const failing: AuditLog = Object.assign(new InMemoryAuditLog(), {
      record: async () => {
        throw new Error('audit down');
      },
    });
    expect(() =>
      productionMiddleware({ auditLog: Object.assign(failing, { onError: 'ignore' }) as never }),
    ).toThrow(InvalidOptionsError);
    const told: unknown[] = [];
    const plain: AuditLog = Object.assign(new InMemoryAuditLog(), {
      record: async () => {
        throw new Error('audit down');
      },
    });
    const model = wrapLanguageModel({
      model: answers(),
      middleware: productionMiddleware({
        auditLog: { auditLog: plain, onError: (error) => told.push(error) },
      }),
    });
    const result = await withRunIdentity({ userId: 'alice' }, () => generateText({ model, prompt: 'q' }));
    expect(result.text).toBe('answer #1');
    expect(told).toHaveLength(1);
  });
});
