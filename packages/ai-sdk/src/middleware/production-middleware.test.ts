import { generateText, streamText, wrapLanguageModel } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import {
  InMemoryAuditLog,
  InMemoryCircuitBreaker,
  InMemoryRateLimiter,
  InMemorySemanticCache,
  InvalidOptionsError,
} from '@tristack/core';
import { answer, status, streamed } from '../drivers.fixture.js';
import { tristackMetadataOf } from '../model-call.js';
import { MissingRunIdentityError, withRunIdentity } from '../run-identity.js';
import { productionMiddleware } from './production-middleware.js';

const model = (modelId: string, ...results: (ReturnType<typeof answer> | Error)[]) => {
  let index = 0;
  const next = () => {
    const result = results[Math.min(index++, results.length - 1)]!;
    if (result instanceof Error) throw result;
    return result;
  };
  return new MockLanguageModelV3({
    modelId,
    doGenerate: async () => next(),
    doStream: async () => streamed((next().content[0] as { text: string }).text),
  });
};

const parts = () => ({
  auditLog: new InMemoryAuditLog(),
  cache: new InMemorySemanticCache({}),
  limiter: new InMemoryRateLimiter({
    limits: [
      {
        name: 'rpm',
        scope: 'user',
        algorithm: 'fixed-window',
        anchor: 'first-hit',
        limit: 10,
        windowMs: 60_000,
      },
    ],
  }),
  breaker: new InMemoryCircuitBreaker({ consecutiveFailures: 1, failureRateThreshold: null, openMs: 60_000 }),
});

describe('productionMiddleware', () => {
  it('composes audit → cache → limiter → fallback with breaker: a hit is audited but never charged', async () => {
    const { auditLog, cache, limiter, breaker } = parts();
    const primary = model('primary', status(503));
    const secondary = model('secondary', answer('from secondary'), answer('second call'));
    const wrapped = wrapLanguageModel({
      model: primary,
      middleware: productionMiddleware({ auditLog, cache, limiter, breaker, fallbacks: [secondary] }),
    });
    const identity = { tenantId: 'acme', userId: 'alice', runId: 'run-1' };
    const ask = () =>
      withRunIdentity(identity, () => generateText({ model: wrapped, prompt: 'hi', maxRetries: 0 }));
    const first = await ask();
    expect(first.text).toBe('from secondary');
    expect(tristackMetadataOf(first.providerMetadata).fallback?.reason).toBe('server-error');
    const second = await ask();
    expect(tristackMetadataOf(second.providerMetadata).cached?.kind).toBe('exact');
    // The primary's breaker opened on the 503: a new prompt skips it without calling it.
    await withRunIdentity(identity, () => generateText({ model: wrapped, prompt: 'other', maxRetries: 0 }));
    expect(primary.doGenerateCalls).toHaveLength(1);
    const key = { user: 'tenant=acme:user=alice' };
    // Two model calls were charged; the cache hit was not.
    expect((await limiter.peek(key, { cost: { requests: 0 } })).remaining).toBe(8);
    const events = (await auditLog.query({ tenantId: 'acme', runId: 'run-1' })).events;
    expect(events.map((event) => [event.type, (event.data as { cached?: boolean }).cached])).toEqual([
      ['model.call.finished', false],
      ['model.call.finished', true],
      ['model.call.finished', false],
    ]);
    await breaker.close();
  });

  it('refuses a call naming no user before any part runs, streamed or not', async () => {
    const { auditLog, cache, limiter } = parts();
    const inner = model('m', answer('never'));
    const wrapped = wrapLanguageModel({
      model: inner,
      middleware: productionMiddleware({ auditLog, cache, limiter }),
    });
    const error = await generateText({ model: wrapped, prompt: 'hi', maxRetries: 0 }).catch(
      (caught: unknown) => caught,
    );
    expect(MissingRunIdentityError.isInstance(error)).toBe(true);
    const streamErrors: unknown[] = [];
    const stream = streamText({
      model: wrapped,
      prompt: 'hi',
      maxRetries: 0,
      onError: ({ error }) => void streamErrors.push(error),
    });
    await stream.consumeStream();
    expect(streamErrors.some((each) => MissingRunIdentityError.isInstance(each))).toBe(true);
    expect(inner.doGenerateCalls.length + inner.doStreamCalls.length).toBe(0);
    expect((await auditLog.query({})).events).toEqual([]);
  });

  it('takes an explicit identity for a model wrapped per request, over any withRunIdentity', async () => {
    const { cache } = parts();
    const inner = model('m', answer('for alice'), answer('for bob'));
    const forUser = (userId: string) =>
      wrapLanguageModel({ model: inner, middleware: productionMiddleware({ cache, identity: { userId } }) });
    const ask = (userId: string) => generateText({ model: forUser(userId), prompt: 'hi', maxRetries: 0 });
    expect((await ask('alice')).text).toBe('for alice');
    expect((await withRunIdentity({ userId: 'alice' }, () => ask('bob'))).text).toBe('for bob');
    expect((await ask('alice')).text).toBe('for alice');
    expect(inner.doGenerateCalls).toHaveLength(2);
  });

  it('rejects a part that is neither a driver nor options', () => {
    expect(() => productionMiddleware({ limiter: 'redis://' as never })).toThrow(InvalidOptionsError);
  });

  it('refuses an unknown key, naming it: a misspelt part would otherwise be silently off', () => {
    expect(() => productionMiddleware({ limitr: {} } as never)).toThrow(InvalidOptionsError);
    expect(() => productionMiddleware({ limitr: {} } as never)).toThrow(/limitr/);
  });
});
