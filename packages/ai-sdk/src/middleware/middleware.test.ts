import type { LanguageModelV3GenerateResult, LanguageModelV3StreamResult } from '@ai-sdk/provider';
import { generateText, streamText, wrapLanguageModel } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { CircuitOpenError } from '@tristack/core';
import { answer, driverTable, status, streamed, usage } from '../drivers.fixture.js';
import { tristackMetadataOf } from '../model-call.js';
import { MissingRunIdentityError, withRunIdentity } from '../run-identity.js';
import { auditMiddleware } from './audit-middleware.js';
import { circuitBreakerMiddleware } from './circuit-breaker-middleware.js';
import { fallbackMiddleware } from './fallback-middleware.js';
import { rateLimitMiddleware, RateLimitedError } from './rate-limit-middleware.js';
import { responseCacheMiddleware } from './response-cache-middleware.js';

type Step = LanguageModelV3GenerateResult | Error;

/** A mock model answering `steps` in order (an Error is thrown), for generate and stream alike. */
function scripted(modelId: string, ...steps: Step[]) {
  let index = 0;
  const next = () => {
    const step = steps[Math.min(index++, steps.length - 1)]!;
    if (step instanceof Error) throw step;
    return step;
  };
  return new MockLanguageModelV3({
    modelId,
    doGenerate: async () => next(),
    doStream: async (): Promise<LanguageModelV3StreamResult> => {
      const step = next();
      const text = step.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
      return streamed(text, step.usage);
    },
  });
}

const calls = (model: MockLanguageModelV3) => model.doGenerateCalls.length + model.doStreamCalls.length;

const table = driverTable();

describe.each(['memory', 'redis'] as const)('AI SDK middleware with %s drivers', (kind) => {
  const drivers = () => table[kind]();

  it('caches per user: an identical call hits, another user, tenant or tool set misses', async () => {
    const cache = await drivers().cache();
    const inner = scripted('m', answer('Paris'), answer('Paris (u2)'), answer('Paris (t2)'));
    const model = wrapLanguageModel({ model: inner, middleware: responseCacheMiddleware({ cache }) });
    const ask = () => generateText({ model, prompt: 'What is the capital of France?', maxRetries: 0 });
    const alice = { tenantId: 't1', userId: 'alice' };
    expect((await withRunIdentity(alice, ask)).text).toBe('Paris');
    const again = await withRunIdentity(alice, ask);
    expect(again.text).toBe('Paris');
    expect(tristackMetadataOf(again.providerMetadata).cached?.kind).toBe('exact');
    expect(again.usage.totalTokens).toBe(0);
    expect(calls(inner)).toBe(1);
    expect((await withRunIdentity({ tenantId: 't1', userId: 'bob' }, ask)).text).toBe('Paris (u2)');
    expect((await withRunIdentity({ tenantId: 't2', userId: 'alice' }, ask)).text).toBe('Paris (t2)');
    expect(calls(inner)).toBe(3);
  });

  it('never caches a call that names no user, unless shareAcrossUsers', async () => {
    const cache = await drivers().cache();
    const inner = scripted('m', answer('one'), answer('two'), answer('faq'));
    const model = wrapLanguageModel({ model: inner, middleware: responseCacheMiddleware({ cache }) });
    const ask = () => generateText({ model, prompt: 'Opening hours?', maxRetries: 0 });
    expect((await withRunIdentity({ tenantId: 't1' }, ask)).text).toBe('one');
    expect((await withRunIdentity({ tenantId: 't1' }, ask)).text).toBe('two');
    const shared = wrapLanguageModel({
      model: inner,
      middleware: responseCacheMiddleware({ cache, shareAcrossUsers: true }),
    });
    const askShared = () => generateText({ model: shared, prompt: 'Opening hours?', maxRetries: 0 });
    expect((await withRunIdentity({ tenantId: 't1', userId: 'alice' }, askShared)).text).toBe('faq');
    expect((await withRunIdentity({ tenantId: 't1', userId: 'bob' }, askShared)).text).toBe('faq');
    expect(calls(inner)).toBe(3);
  });

  it('keeps tool results in the user scope even with shareAcrossUsers', async () => {
    const cache = await drivers().cache();
    const inner = scripted('m', answer('for alice'), answer('for bob'));
    const model = wrapLanguageModel({
      model: inner,
      middleware: responseCacheMiddleware({ cache, shareAcrossUsers: true }),
    });
    const messages = [
      { role: 'user' as const, content: 'my balance?' },
      {
        role: 'assistant' as const,
        content: [{ type: 'tool-call' as const, toolCallId: 'c1', toolName: 'balance', input: {} }],
      },
      {
        role: 'tool' as const,
        content: [
          {
            type: 'tool-result' as const,
            toolCallId: 'c1',
            toolName: 'balance',
            output: { type: 'text' as const, value: '42' },
          },
        ],
      },
    ];
    const ask = () => generateText({ model, messages, maxRetries: 0 });
    expect((await withRunIdentity({ tenantId: 't1', userId: 'alice' }, ask)).text).toBe('for alice');
    expect((await withRunIdentity({ tenantId: 't1', userId: 'bob' }, ask)).text).toBe('for bob');
  });

  it('replays a cached answer as a stream, stored from a stream', async () => {
    const cache = await drivers().cache();
    const inner = scripted('m', answer('streamed once '), answer('never'));
    const model = wrapLanguageModel({ model: inner, middleware: responseCacheMiddleware({ cache }) });
    const ask = async () => {
      const result = streamText({ model, prompt: 'tell me', maxRetries: 0 });
      return { text: await result.text, metadata: await result.providerMetadata };
    };
    const identity = { userId: 'alice' };
    expect((await withRunIdentity(identity, ask)).text).toBe('streamed once ');
    const second = await withRunIdentity(identity, ask);
    expect(second.text).toBe('streamed once ');
    expect(tristackMetadataOf(second.metadata).cached?.kind).toBe('exact');
    expect(inner.doStreamCalls).toHaveLength(1);
  });

  it('ends the call with a notice when the limiter denies, without calling the model', async () => {
    const limiter = drivers().limiter({
      limits: [{ name: 'rpm', algorithm: 'fixed-window', anchor: 'first-hit', limit: 1, windowMs: 60_000 }],
    });
    const inner = scripted('m', answer('first'), answer('second'));
    const model = wrapLanguageModel({ model: inner, middleware: rateLimitMiddleware({ limiter }) });
    const ask = () => generateText({ model, prompt: 'hi', maxRetries: 0 });
    expect((await withRunIdentity({ tenantId: 'acme' }, ask)).text).toBe('first');
    const denied = await withRunIdentity({ tenantId: 'acme' }, ask);
    expect(denied.text).toMatch(/Rate limit reached \(rpm\)/);
    expect(tristackMetadataOf(denied.providerMetadata).rateLimited?.rule).toBe('rpm');
    expect(calls(inner)).toBe(1);
    expect((await withRunIdentity({ tenantId: 'other' }, ask)).text).toBe('second');
  });

  it('throws RateLimitedError with onDenied throw, and refuses a per-user rule without a user', async () => {
    const limiter = drivers().limiter({
      limits: [
        {
          name: 'rpm',
          scope: 'user',
          algorithm: 'fixed-window',
          anchor: 'first-hit',
          limit: 1,
          windowMs: 60_000,
        },
      ],
    });
    const model = wrapLanguageModel({
      model: scripted('m', answer('ok')),
      middleware: rateLimitMiddleware({ limiter, onDenied: 'throw' }),
    });
    const ask = () => generateText({ model, prompt: 'hi', maxRetries: 0 });
    await withRunIdentity({ userId: 'u1' }, ask);
    const error = await withRunIdentity({ userId: 'u1' }, ask).catch((caught: unknown) => caught);
    expect(RateLimitedError.isInstance(error)).toBe(true);
    const anonymous = await withRunIdentity({ tenantId: 'acme' }, ask).catch((caught: unknown) => caught);
    expect(MissingRunIdentityError.isInstance(anonymous)).toBe(true);
  });

  it('reconciles the token reservation with the usage the model reports, streamed or not', async () => {
    const limiter = drivers().limiter({
      limits: [
        {
          name: 'tpm',
          unit: 'tokens',
          algorithm: 'fixed-window',
          anchor: 'first-hit',
          limit: 10_000,
          windowMs: 60_000,
        },
      ],
    });
    const inner = scripted('m', answer('a', usage(30, 10)), answer('b', usage(50, 20)));
    const model = wrapLanguageModel({
      model: inner,
      middleware: rateLimitMiddleware({ limiter, expectedOutputTokens: 2_000 }),
    });
    const key = { default: 'tenant=acme' };
    await withRunIdentity({ tenantId: 'acme' }, () => generateText({ model, prompt: 'hi', maxRetries: 0 }));
    expect((await limiter.peek(key, { cost: { tokens: 0 } })).remaining).toBe(10_000 - 40);
    await withRunIdentity({ tenantId: 'acme' }, async () => {
      await streamText({ model, prompt: 'hi', maxRetries: 0 }).consumeStream();
    });
    expect((await limiter.peek(key, { cost: { tokens: 0 } })).remaining).toBe(10_000 - 40 - 70);
  });

  it('falls back to the next model on a 429, saying so in the metadata', async () => {
    const primary = scripted('primary', status(429));
    const secondary = scripted('secondary', answer('from secondary'));
    const model = wrapLanguageModel({
      model: primary,
      middleware: fallbackMiddleware({ models: [secondary], breaker: drivers().breaker() }),
    });
    const result = await generateText({ model, prompt: 'hi', maxRetries: 0 });
    expect(result.text).toBe('from secondary');
    expect(tristackMetadataOf(result.providerMetadata).fallback).toEqual({
      from: 'primary',
      to: 'secondary',
      reason: 'rate-limited',
    });
    const stream = streamText({ model, prompt: 'hi', maxRetries: 0 });
    expect(await stream.text).toBe('from secondary');
    expect(tristackMetadataOf(await stream.providerMetadata).fallback?.to).toBe('secondary');
  });

  it('skips a model whose breaker is open without calling it; a 400 does not fall back', async () => {
    const breaker = drivers().breaker({ consecutiveFailures: 1, failureRateThreshold: null, openMs: 60_000 });
    await breaker.execute('model:primary', () => Promise.reject(status(503))).catch(() => {});
    const primary = scripted('primary', answer('primary'));
    const secondary = scripted('secondary', answer('secondary'));
    const model = wrapLanguageModel({
      model: primary,
      middleware: fallbackMiddleware({ models: [secondary], breaker }),
    });
    const result = await generateText({ model, prompt: 'hi', maxRetries: 0 });
    expect(result.text).toBe('secondary');
    expect(tristackMetadataOf(result.providerMetadata).fallback?.reason).toBe('circuit-open');
    expect(calls(primary)).toBe(0);
    const badRequest = wrapLanguageModel({
      model: scripted('bad', status(400)),
      middleware: fallbackMiddleware({ models: [secondary] }),
    });
    await expect(generateText({ model: badRequest, prompt: 'hi', maxRetries: 0 })).rejects.toThrow(/400/);
    expect(calls(secondary)).toBe(1);
    await breaker.close();
  });

  it('opens the breaker after failures and then fails fast, not retried by the AI SDK', async () => {
    const breaker = drivers().breaker({ consecutiveFailures: 2, failureRateThreshold: null, openMs: 60_000 });
    const inner = scripted('flaky', status(503));
    const model = wrapLanguageModel({ model: inner, middleware: circuitBreakerMiddleware({ breaker }) });
    await expect(generateText({ model, prompt: 'hi', maxRetries: 0 })).rejects.toThrow(/503/);
    await expect(generateText({ model, prompt: 'hi', maxRetries: 0 })).rejects.toThrow(/503/);
    const open = await generateText({ model, prompt: 'hi', maxRetries: 3 }).catch(
      (caught: unknown) => caught,
    );
    expect(CircuitOpenError.isInstance(open)).toBe(true);
    expect(calls(inner)).toBe(2);
    await breaker.close();
  });

  it('audits model calls, requested tool calls, cache hits and failures with the trusted identity', async () => {
    const auditLog = drivers().auditLog();
    const cache = await drivers().cache();
    const inner = new MockLanguageModelV3({
      modelId: 'audited',
      doGenerate: async () => ({
        ...answer('calling'),
        content: [{ type: 'tool-call', toolCallId: 'c1', toolName: 'lookup', input: '{"orderId":"A-1"}' }],
        finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
      }),
      doStream: async () => streamed('streamed answer'),
    });
    const model = wrapLanguageModel({
      model: inner,
      middleware: [auditMiddleware({ auditLog }), responseCacheMiddleware({ cache })],
    });
    const identity = { tenantId: 'acme', userId: 'alice', conversationId: 'c-1', runId: 'r-1' };
    await withRunIdentity(identity, () => generateText({ model, prompt: 'look up A-1', maxRetries: 0 }));
    await withRunIdentity(identity, () =>
      streamText({ model, prompt: 'say hi', maxRetries: 0 }).consumeStream(),
    );
    await withRunIdentity(identity, () =>
      streamText({ model, prompt: 'say hi', maxRetries: 0 }).consumeStream(),
    );
    const page = await auditLog.query({ tenantId: 'acme', runId: 'r-1' });
    const events = page.events.map((event) => [event.type, event.data]);
    expect(events.map(([type]) => type)).toEqual([
      'model.call.finished',
      'tool.call.requested',
      'model.call.finished',
      'model.call.finished',
    ]);
    expect(page.events.every((event) => event.userId === 'alice' && event.conversationId === 'c-1')).toBe(
      true,
    );
    expect(events[0]![1]).toMatchObject({
      model: 'audited',
      cached: false,
      toolCallCount: 1,
      finishReason: 'tool-calls',
    });
    expect(events[1]![1]).toMatchObject({ tool: 'lookup', toolCallId: 'c1', arguments: { orderId: 'A-1' } });
    expect(events[2]![1]).toMatchObject({
      cached: false,
      tokenUsage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 },
    });
    expect(events[3]![1]).toMatchObject({ cached: true, cacheKind: 'exact' });
  });
});

describe('AI SDK response cache, semantic tier (in-memory embedder)', () => {
  it('answers a paraphrase from the semantic tier', async () => {
    const { InMemorySemanticCache } = await import('@tristack/core');
    const cache = new InMemorySemanticCache({ similarityThreshold: 0.6 });
    expect(cache.semanticTier.available).toBe(true);
    const inner = scripted('m', answer('Paris'), answer('uncached'));
    const model = wrapLanguageModel({
      model: inner,
      middleware: responseCacheMiddleware({ cache, identity: { userId: 'u1' } }),
    });
    await generateText({ model, prompt: 'What is the capital city of France?', maxRetries: 0 });
    const paraphrase = await generateText({
      model,
      prompt: 'what is the capital city of france',
      maxRetries: 0,
    });
    expect(paraphrase.text).toBe('Paris');
    expect(tristackMetadataOf(paraphrase.providerMetadata).cached?.kind).toBe('semantic');
    expect(calls(inner)).toBe(1);
  });
});
