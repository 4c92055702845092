import { readFileSync } from 'node:fs';
import {
  APICallError,
  type LanguageModelV3CallOptions,
  type LanguageModelV3StreamPart,
} from '@ai-sdk/provider';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { MetricData } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { generateText, streamText, wrapLanguageModel } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { InMemoryAuditLog, InMemoryRateLimiter, InMemorySemanticCache } from '@tristack/core';
import { GEN_AI_SEMCONV_VERSION } from '@tristack/core/driver-kit';
import { answer, usage } from '../drivers.fixture.js';
import { counterValue, useOtelSdk } from '@tristack/testing/otel';
import { withRunIdentity } from '../run-identity.js';
import { AI_SDK_PACKAGE_VERSION } from '../telemetry.js';
import { productionMiddleware } from './production-middleware.js';

const sdk = useOtelSdk();

const SECRET = 'sk-live-5UPERSECRET';
const identity = {
  tenantId: 'acme-tenant',
  userId: 'user-7781',
  runId: 'run-4411',
  conversationId: 'conv-9',
};
/** What no attribute of any span or metric may hold: prompt and answer text, ids, a secret. */
const forbidden = [SECRET, 'Oslo', 'sunny', 'acme-tenant', 'user-7781', 'run-4411', 'conv-9'];

function expectNoContent(spans: ReadableSpan[], metrics: Map<string, MetricData>): void {
  const texts = [
    ...spans.flatMap((span) => [
      span.name,
      ...Object.values(span.attributes).map(String),
      ...span.events.flatMap((event) => Object.values(event.attributes ?? {}).map(String)),
    ]),
    ...[...metrics.values()].flatMap((metric) =>
      metric.dataPoints.flatMap((point) => Object.values(point.attributes).map(String)),
    ),
  ];
  expect(texts.length).toBeGreaterThan(0);
  for (const text of texts) for (const word of forbidden) expect(text).not.toContain(word);
}

const byName = (name: string) => sdk.spans().filter((span) => span.name === name);
const only = (name: string) => {
  const spans = byName(name);
  expect(spans).toHaveLength(1);
  return spans[0]!;
};
const parentIdOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

/** A model whose answers carry provider-reported cached input tokens and a dated response model. */
function mockModel(options: { fail?: Error; streamParts?: LanguageModelV3StreamPart[] } = {}) {
  return new MockLanguageModelV3({
    provider: 'openai.chat',
    modelId: 'gpt-test',
    doGenerate: async () => {
      if (options.fail) throw options.fail;
      return {
        ...answer('Oslo is sunny', {
          inputTokens: { total: 12, noCache: 8, cacheRead: 4, cacheWrite: 0 },
          outputTokens: { total: 5, text: 5, reasoning: 0 },
        }),
        response: { modelId: `gpt-test-2026-${'x'.repeat(400)}` },
      };
    },
    doStream: async () => ({
      stream: new ReadableStream<LanguageModelV3StreamPart>({
        start(controller) {
          for (const part of options.streamParts ?? streamParts()) controller.enqueue(part);
          controller.close();
        },
      }),
    }),
  });
}

const streamParts = (): LanguageModelV3StreamPart[] => [
  { type: 'stream-start', warnings: [] },
  { type: 'response-metadata', modelId: 'gpt-test-2026-stream' },
  { type: 'text-start', id: 't' },
  { type: 'text-delta', id: 't', delta: 'Oslo is ' },
  { type: 'text-delta', id: 't', delta: 'sunny' },
  { type: 'text-end', id: 't' },
  { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage: usage(9, 2) },
];

function stack(model: MockLanguageModelV3, limit = 10) {
  const limiter = new InMemoryRateLimiter({
    limits: [
      { name: 'rpm', scope: 'user', algorithm: 'fixed-window', anchor: 'first-hit', limit, windowMs: 60_000 },
    ],
  });
  return wrapLanguageModel({
    model,
    middleware: productionMiddleware({
      auditLog: new InMemoryAuditLog(),
      cache: new InMemorySemanticCache({}),
      limiter,
    }),
  });
}

const prompt = `weather in Oslo? my key is ${SECRET}`;
const generate = (model: ReturnType<typeof stack>, text = prompt) =>
  withRunIdentity(identity, () => generateText({ model, prompt: text, maxRetries: 0 }));

const callOptions = (text: string): LanguageModelV3CallOptions => ({
  prompt: [{ role: 'user', content: [{ type: 'text', text }] }],
});

describe('AI SDK telemetry', () => {
  it('traces a generate call: a chat span with gen_ai attributes over its cache lookup and limiter decision', async () => {
    const wrapped = stack(mockModel());
    expect((await generate(wrapped)).text).toBe('Oslo is sunny');
    await sdk.flush();
    const chat = only('chat gpt-test');
    expect(chat.kind).toBe(SpanKind.CLIENT);
    expect(chat.instrumentationScope).toMatchObject({
      name: '@tristack/ai-sdk',
      version: AI_SDK_PACKAGE_VERSION,
      schemaUrl: `https://opentelemetry.io/schemas/${GEN_AI_SEMCONV_VERSION}`,
    });
    expect(chat.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-test',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 12,
      'gen_ai.usage.output_tokens': 5,
      'gen_ai.usage.cache_read.input_tokens': 4,
    });
    // A provider-supplied response model is cut to 256 characters.
    expect(chat.attributes['gen_ai.response.model']).toBe(`gpt-test-2026-${'x'.repeat(400)}`.slice(0, 256));
    expect(chat.attributes['tristack.cache.result']).toBeUndefined();
    expect(chat.status.code).not.toBe(SpanStatusCode.ERROR);
    const lookup = only('tristack.cache.lookup');
    expect(lookup.attributes).toMatchObject({ 'tristack.cache.result': 'miss' });
    const decision = only('tristack.rate_limit');
    expect(decision.attributes).toMatchObject({
      'tristack.rate_limit.allowed': true,
      'tristack.rate_limit.rule': 'rpm',
      'tristack.rate_limit.remaining': 9,
    });
    expect(parentIdOf(lookup)).toBe(chat.spanContext().spanId);
    expect(parentIdOf(decision)).toBe(chat.spanContext().spanId);
    expect(lookup.spanContext().traceId).toBe(chat.spanContext().traceId);

    const metrics = await sdk.metrics();
    const tokens = metrics.get('gen_ai.client.token.usage')!;
    const sumOf = (type: string) =>
      tokens.dataPoints
        .filter((point) => point.attributes['gen_ai.token.type'] === type)
        .reduce((total, point) => total + (point.value as { sum: number }).sum, 0);
    expect([sumOf('input'), sumOf('output')]).toEqual([12, 5]);
    expect(tokens.dataPoints[0]!.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'gpt-test',
      'gen_ai.provider.name': 'openai',
    });
    const duration = metrics.get('gen_ai.client.operation.duration')!;
    expect(duration.dataPoints.map((point) => (point.value as { count: number }).count)).toEqual([1]);
    const calls = metrics.get('tristack.model.calls');
    expect(
      counterValue(calls, { 'gen_ai.request.model': 'gpt-test', 'tristack.model.outcome': 'success' }),
    ).toBe(1);
    expect(counterValue(metrics.get('tristack.cache.lookups'), { 'tristack.cache.result': 'miss' })).toBe(1);
    expect(
      counterValue(metrics.get('tristack.rate_limit.decisions'), {
        'tristack.rate_limit.allowed': true,
        'tristack.rate_limit.rule': 'rpm',
      }),
    ).toBe(1);
    expectNoContent(sdk.spans(), metrics);
  });

  it('marks a cache hit on the chat span and counts what it saved; the limiter is not asked', async () => {
    const model = mockModel();
    const wrapped = stack(model);
    await generate(wrapped);
    await sdk.flush();
    await sdk.metrics();
    const firstChat = only('chat gpt-test').spanContext().spanId;
    expect((await generate(wrapped)).text).toBe('Oslo is sunny');
    expect(model.doGenerateCalls).toHaveLength(1);
    await sdk.flush();
    const chat = byName('chat gpt-test').find((span) => span.spanContext().spanId !== firstChat)!;
    expect(chat.attributes).toMatchObject({
      'tristack.cache.result': 'exact',
      'tristack.cache.similarity': 1,
      'gen_ai.usage.input_tokens': 0,
      'gen_ai.usage.output_tokens': 0,
    });
    const lookups = byName('tristack.cache.lookup').filter(
      (span) => parentIdOf(span) === chat.spanContext().spanId,
    );
    expect(lookups.map((span) => span.attributes['tristack.cache.result'])).toEqual(['exact']);
    // The cache sits outside the limiter: only the first call was charged.
    expect(byName('tristack.rate_limit')).toHaveLength(1);

    const metrics = await sdk.metrics();
    expect(counterValue(metrics.get('tristack.model.calls'), { 'tristack.model.outcome': 'cached' })).toBe(1);
    expect(counterValue(metrics.get('tristack.cache.lookups'), { 'tristack.cache.result': 'exact' })).toBe(1);
    // The stored answer's usage (12 in + 5 out) is what the hit did not spend.
    expect(
      counterValue(metrics.get('tristack.cache.tokens_saved'), { 'tristack.cache.result': 'exact' }),
    ).toBe(17);
    // A hit spends no tokens: none recorded for it.
    expect(metrics.get('gen_ai.client.token.usage')?.dataPoints ?? []).toEqual([]);
    expectNoContent(sdk.spans(), metrics);
  });

  it('records a rate-limit denial on the limiter span and as a rate_limited call', async () => {
    const model = mockModel();
    const wrapped = stack(model, 1);
    await generate(wrapped, 'first question about Oslo');
    const denied = await generate(wrapped, 'second question about Oslo');
    expect(denied.text).toMatch(/Rate limit reached/);
    expect(model.doGenerateCalls).toHaveLength(1);
    await sdk.flush();
    const decisions = byName('tristack.rate_limit');
    expect(decisions.map((span) => span.attributes['tristack.rate_limit.allowed'])).toEqual([true, false]);
    const denial = decisions[1]!;
    expect(denial.attributes).toMatchObject({
      'tristack.rate_limit.rule': 'rpm',
      'tristack.rate_limit.remaining': 0,
    });
    expect(denial.attributes['tristack.rate_limit.retry_after_ms']).toBeGreaterThan(0);
    const chats = byName('chat gpt-test');
    expect(chats).toHaveLength(2);
    expect(parentIdOf(denial)).toBe(chats[1]!.spanContext().spanId);
    // A denial answered by the limiter is no model answer: no usage or finish reason on the span.
    expect(chats[1]!.attributes['gen_ai.usage.input_tokens']).toBeUndefined();

    const metrics = await sdk.metrics();
    expect(
      counterValue(metrics.get('tristack.model.calls'), { 'tristack.model.outcome': 'rate_limited' }),
    ).toBe(1);
    expect(
      counterValue(metrics.get('tristack.rate_limit.decisions'), { 'tristack.rate_limit.allowed': false }),
    ).toBe(1);
    expectNoContent(sdk.spans(), metrics);
  });

  it('records a failing call by error type, never by message', async () => {
    const failure = new APICallError({
      message: `provider refused: ${SECRET}`,
      url: 'https://api.example/v1',
      requestBodyValues: { prompt },
      statusCode: 500,
    });
    const wrapped = stack(mockModel({ fail: failure }));
    await expect(generate(wrapped)).rejects.toThrow();
    await sdk.flush();
    const chat = only('chat gpt-test');
    expect(chat.status.code).toBe(SpanStatusCode.ERROR);
    expect(chat.attributes['error.type']).toBe('APICallError');
    expect(chat.status.message ?? '').not.toContain(SECRET);
    const metrics = await sdk.metrics();
    expect(counterValue(metrics.get('tristack.model.calls'), { 'tristack.model.outcome': 'error' })).toBe(1);
    expectNoContent(sdk.spans(), metrics);
  });

  it('keeps a stream’s chat span open until the stream ends, then records its finish and usage', async () => {
    const wrapped = stack(mockModel());
    const result = await withRunIdentity(identity, () => wrapped.doStream(callOptions(prompt)));
    await sdk.flush();
    // The lookup and the limiter decision are done; the call is not.
    expect(byName('tristack.cache.lookup')).toHaveLength(1);
    expect(byName('chat gpt-test')).toEqual([]);
    const reader = result.stream.getReader();
    while (!(await reader.read()).done);
    await sdk.flush();
    const chat = only('chat gpt-test');
    expect(chat.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'gpt-test',
      'gen_ai.response.model': 'gpt-test-2026-stream',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 9,
      'gen_ai.usage.output_tokens': 2,
      'gen_ai.usage.cache_read.input_tokens': 0,
    });
    expect(parentIdOf(only('tristack.rate_limit'))).toBe(chat.spanContext().spanId);
    const metrics = await sdk.metrics();
    expect(counterValue(metrics.get('tristack.model.calls'), { 'tristack.model.outcome': 'success' })).toBe(
      1,
    );
    expectNoContent(sdk.spans(), metrics);
  });

  it('traces streamText end to end, a replayed cache hit included', async () => {
    const model = mockModel();
    const wrapped = stack(model);
    const stream = async () => {
      const result = withRunIdentity(identity, () => streamText({ model: wrapped, prompt, maxRetries: 0 }));
      return result.text;
    };
    expect(await stream()).toBe('Oslo is sunny');
    expect(await stream()).toBe('Oslo is sunny');
    expect(model.doStreamCalls).toHaveLength(1);
    await sdk.flush();
    const chats = byName('chat gpt-test');
    expect(chats.map((span) => span.attributes['tristack.cache.result'])).toEqual([undefined, 'exact']);
    const metrics = await sdk.metrics();
    expect(counterValue(metrics.get('tristack.model.calls'), { 'tristack.model.outcome': 'cached' })).toBe(1);
    expectNoContent(sdk.spans(), metrics);
  });

  it('ends a stream’s span as failed on an error part, and on a cancel', async () => {
    const failing = stack(
      mockModel({
        streamParts: [
          { type: 'stream-start', warnings: [] },
          { type: 'error', error: new TypeError(`broken: ${SECRET}`) },
          { type: 'finish', finishReason: { unified: 'error', raw: 'error' }, usage: usage(3, 0) },
        ],
      }),
    );
    const failed = await withRunIdentity(identity, () => failing.doStream(callOptions(prompt)));
    const reader = failed.stream.getReader();
    while (!(await reader.read()).done);
    await sdk.flush();
    const errored = only('chat gpt-test');
    expect(errored.status.code).toBe(SpanStatusCode.ERROR);
    expect(errored.attributes['error.type']).toBe('TypeError');

    const cancelled = await withRunIdentity(identity, () =>
      stack(mockModel()).doStream(callOptions('other')),
    );
    const cancelReader = cancelled.stream.getReader();
    await cancelReader.read();
    await cancelReader.cancel();
    await sdk.flush();
    const aborted = byName('chat gpt-test').find((span) => span !== errored)!;
    expect(aborted.status.code).toBe(SpanStatusCode.ERROR);
    expect(aborted.attributes['error.type']).toBe('AbortError');
    const metrics = await sdk.metrics();
    expect(counterValue(metrics.get('tristack.model.calls'), { 'tristack.model.outcome': 'error' })).toBe(2);
    expectNoContent(sdk.spans(), metrics);
  });

  it('opens no span for a call the identity guard refuses, nor with telemetry off', async () => {
    const wrapped = stack(mockModel());
    await expect(generateText({ model: wrapped, prompt, maxRetries: 0 })).rejects.toThrow();
    const quiet = wrapLanguageModel({
      model: mockModel(),
      middleware: productionMiddleware({ cache: new InMemorySemanticCache({}), telemetry: false }),
    });
    await withRunIdentity(identity, () => generateText({ model: quiet, prompt, maxRetries: 0 }));
    await sdk.flush();
    expect(byName('chat gpt-test')).toEqual([]);
  });

  it('names the package version of package.json on its tracer', () => {
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(AI_SDK_PACKAGE_VERSION).toBe(manifest.version);
  });
});
