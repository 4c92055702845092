import { HumanMessage, AIMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import { MemorySaver, interrupt } from '@langchain/langgraph';
import { trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { createAgent, tool } from 'langchain';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  InMemoryAuditLog,
  InMemoryCircuitBreaker,
  InMemoryJobQueue,
  InMemoryRateLimiter,
  InMemorySemanticCache,
  LocalToolProvider,
  defineLocalTool,
  type AuditLog,
  type CircuitBreaker,
  type JobQueue,
  type RateLimiter,
  type SemanticCache,
} from '@tristack/core';
import { GEN_AI_SEMCONV_VERSION } from '@tristack/core/driver-kit';
import {
  RedisAuditLog,
  RedisCircuitBreaker,
  RedisJobQueue,
  RedisRateLimiter,
  RedisSemanticCache,
} from '@tristack/redis';
import { useRedis } from '@tristack/testing/redis';
import { counterValue, useOtelSdk } from '@tristack/testing/otel';
import { LANGCHAIN_PACKAGE_VERSION } from '../telemetry.js';
import { toLangChainTools } from '../tools/to-langchain-tools.js';
import { productionMiddleware } from './production-middleware.js';

const sdk = useOtelSdk();
const redis = useRedis();

interface Parts {
  auditLog: AuditLog;
  cache: SemanticCache;
  limiter: RateLimiter;
  breaker: CircuitBreaker;
  queue: JobQueue;
}

const limits = [
  {
    name: 'rpm',
    algorithm: 'fixed-window' as const,
    anchor: 'first-hit' as const,
    limit: 3,
    windowMs: 60_000,
  },
];
const tripOnFirstFailure = { consecutiveFailures: 1, failureRateThreshold: null, openMs: 60_000 };

const partsOf = {
  memory: async (): Promise<Parts> => ({
    auditLog: new InMemoryAuditLog(),
    cache: new InMemorySemanticCache({}),
    limiter: new InMemoryRateLimiter({ limits }),
    breaker: new InMemoryCircuitBreaker(tripOnFirstFailure),
    queue: new InMemoryJobQueue(),
  }),
  redis: async (): Promise<Parts> => {
    const base = { client: redis.client, prefix: redis.prefix };
    return {
      auditLog: new RedisAuditLog(base),
      cache: await RedisSemanticCache.create(base),
      limiter: new RedisRateLimiter({ ...base, limits }),
      breaker: new RedisCircuitBreaker({ ...base, ...tripOnFirstFailure }),
      queue: new RedisJobQueue(base),
    };
  },
};

// Strings that must never reach an attribute: message text, tool arguments and results, ids of people.
const SECRET = 'sk-live-5UPERSECRET';
const forbidden = [SECRET, 'Oslo', 'Paris', 'capital', 'user-7781', 'acme-tenant', 'queued report'];
const context = { tenantId: 'acme-tenant', userId: 'user-7781' };
const usage = (input: number, output: number) => ({
  input_tokens: input,
  output_tokens: output,
  total_tokens: input + output,
  input_token_details: { cache_read: 2 },
});
const status = (code: number) => Object.assign(new Error(`provider answered ${code}`), { status: code });

const byName = (spans: ReadableSpan[], name: string) => spans.filter((span) => span.name === name);
const one = (spans: ReadableSpan[], name: string) => {
  const found = byName(spans, name);
  expect(found, name).toHaveLength(1);
  return found[0]!;
};
const parentIdOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const idOf = (span: ReadableSpan) => span.spanContext().spanId;
const traceOf = (span: ReadableSpan) => span.spanContext().traceId;

/** Every attribute value on spans, span events and links, as text. */
function attributeTexts(spans: ReadableSpan[]): string[] {
  return spans.flatMap((span) => [
    span.name,
    ...Object.values(span.attributes).map(String),
    ...span.events.flatMap((event) => [event.name, ...Object.values(event.attributes ?? {}).map(String)]),
    ...span.links.flatMap((link) => Object.values(link.attributes ?? {}).map(String)),
  ]);
}

describe.each(['memory', 'redis'] as const)('OpenTelemetry over a createAgent run (%s drivers)', (kind) => {
  it('traces each request across the three layers; metrics, audit ids and no content', async () => {
    const parts = await partsOf[kind]();
    const tracer = trace.getTracer('test-app');
    const jobIds: string[] = [];
    const worker = await parts.queue.process('report', async () => ({ done: true }));
    const report = tool(
      async ({ city }: { city: string }) => {
        jobIds.push(await parts.queue.enqueue('report', { city }));
        return `queued report for ${city}`;
      },
      { name: 'report', description: 'queues a weather report', schema: z.object({ city: z.string() }) },
    );
    const model = fakeModel()
      .respond(
        new AIMessage({
          content: '',
          tool_calls: [{ name: 'report', args: { city: `Oslo ${SECRET}` }, id: 'call-1', type: 'tool_call' }],
          usage_metadata: usage(20, 5),
        }),
      )
      .respond(
        new AIMessage({
          content: 'Oslo is sunny',
          usage_metadata: usage(30, 4),
          response_metadata: { finish_reason: 'stop' },
        }),
      )
      .respond(new AIMessage({ content: 'Paris', usage_metadata: usage(10, 1) }));
    const agent = createAgent({
      model,
      tools: [report],
      middleware: productionMiddleware({
        auditLog: parts.auditLog,
        cache: parts.cache,
        limiter: parts.limiter,
        retry: false,
      }),
    });
    const request = (name: string, text: string) =>
      tracer.startActiveSpan(name, async (span) => {
        try {
          return await agent.invoke({ messages: [new HumanMessage(text)] }, { context });
        } finally {
          span.end();
        }
      });

    await request('request A', `weather in Oslo? my key is ${SECRET}`);
    await parts.queue.result(jobIds[0]!);
    await request('request B', 'What is the capital of France?');
    const hit = await request('request C', 'What is the capital of France?');
    expect(hit.messages.at(-1)!.text).toBe('Paris');
    const denied = await request('request D', 'and of Spain?');
    expect(denied.messages.at(-1)!.text).toMatch(/Rate limit reached/);

    // A failing provider trips its breaker; the next call is refused without reaching it.
    const failing = createAgent({
      model: fakeModel().respond(status(503)).respond(new AIMessage('never')),
      middleware: productionMiddleware({ breaker: parts.breaker, retry: false }),
    });
    const failingRequest = (name: string) =>
      tracer.startActiveSpan(name, async (span) => {
        try {
          return await failing.invoke({ messages: [new HumanMessage('hi')] });
        } catch (error) {
          return error;
        } finally {
          span.end();
        }
      });
    await failingRequest('request E');
    expect(String(await failingRequest('request F'))).toMatch(/circuit/i);
    await worker.close();
    await parts.queue.close();

    const spans = sdk.spans();
    // Request A: one trace, app span → invoke_agent → chat / execute_tool → state-layer spans.
    const requestA = one(spans, 'request A');
    const traceA = spans.filter((span) => traceOf(span) === traceOf(requestA));
    const agentA = one(traceA, 'invoke_agent agent');
    expect(parentIdOf(agentA)).toBe(idOf(requestA));
    expect(agentA.attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'agent',
    });
    expect(agentA.instrumentationScope).toMatchObject({
      name: '@tristack/langchain',
      version: LANGCHAIN_PACKAGE_VERSION,
      schemaUrl: `https://opentelemetry.io/schemas/${GEN_AI_SEMCONV_VERSION}`,
    });
    const chats = byName(traceA, 'chat fake-model-builder');
    expect(chats).toHaveLength(2);
    for (const chat of chats) {
      expect(parentIdOf(chat)).toBe(idOf(agentA));
      expect(chat.kind).toBe(2); // CLIENT
      const children = traceA.filter((span) => parentIdOf(span) === idOf(chat)).map((span) => span.name);
      expect(children).toEqual(expect.arrayContaining(['tristack.cache.lookup', 'tristack.rate_limit']));
    }
    expect(chats[0]!.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'fake-model-builder',
      'gen_ai.usage.input_tokens': 20,
      'gen_ai.usage.output_tokens': 5,
      'gen_ai.usage.cache_read.input_tokens': 2,
      'gen_ai.response.finish_reasons': ['tool_calls'],
    });
    expect(chats[1]!.attributes['gen_ai.response.finish_reasons']).toEqual(['stop']);
    const toolSpan = one(traceA, 'execute_tool report');
    expect(parentIdOf(toolSpan)).toBe(idOf(agentA));
    expect(toolSpan.attributes).toMatchObject({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'report',
      'gen_ai.tool.call.id': 'call-1',
      'tristack.tool.outcome': 'success',
    });
    const send = one(traceA, 'send report');
    expect(parentIdOf(send)).toBe(idOf(toolSpan));
    expect(send.kind).toBe(3); // PRODUCER
    const processed = one(traceA, 'process report');
    expect(processed.kind).toBe(4); // CONSUMER
    expect(parentIdOf(processed)).toBe(idOf(send));
    expect(processed.links.map((link) => link.context.spanId)).toEqual([idOf(send)]);
    expect(processed.attributes).toMatchObject({
      'messaging.operation.type': 'process',
      'messaging.destination.name': 'report',
      'messaging.message.id': jobIds[0],
    });

    // Audit events carry the trace's ids; the spans point back at the audit entries.
    const { events } = await parts.auditLog.query({ tenantId: 'acme-tenant' });
    const eventsA = events.filter((event) => event.data['traceId'] === traceOf(requestA));
    expect(eventsA.map((event) => event.type)).toEqual([
      'model.call.finished',
      'tool.call.requested',
      'tool.call.executed',
      'model.call.finished',
    ]);
    const spanIds = new Set(traceA.map(idOf));
    expect(eventsA.every((event) => spanIds.has(event.data['spanId'] as string))).toBe(true);
    const pointers = traceA.flatMap((span) =>
      span.events
        .filter((event) => event.name === 'tristack.audit.recorded')
        .map((event) => event.attributes?.['tristack.audit.event_id']),
    );
    expect(pointers).toEqual(expect.arrayContaining(eventsA.map((event) => event.id)));
    expect((await parts.auditLog.verify('acme-tenant')).valid).toBe(true);

    // Request C: a cache hit; request D: a denial.
    const requestC = one(spans, 'request C');
    const chatC = spans.find((span) => traceOf(span) === traceOf(requestC) && span.name.startsWith('chat '))!;
    expect(chatC.attributes['tristack.cache.result']).toBe('exact');
    const lookupC = spans.find(
      (span) => parentIdOf(span) === idOf(chatC) && span.name === 'tristack.cache.lookup',
    )!;
    expect(lookupC.attributes).toMatchObject({
      'tristack.cache.result': 'exact',
      'tristack.cache.similarity': 1,
    });
    const requestD = one(spans, 'request D');
    const limitD = spans.find(
      (span) => traceOf(span) === traceOf(requestD) && span.name === 'tristack.rate_limit',
    )!;
    expect(limitD.attributes['tristack.rate_limit.allowed']).toBe(false);
    expect(String(limitD.attributes['tristack.rate_limit.rule'])).toMatch(/rpm/);
    expect(limitD.attributes['tristack.rate_limit.retry_after_ms']).toBeGreaterThan(0);

    // Requests E and F: the trip, then the refusal.
    const traceE = spans.filter((span) => traceOf(span) === traceOf(one(spans, 'request E')));
    const chatE = traceE.find((span) => span.name.startsWith('chat '))!;
    expect(chatE.status.code).toBe(2); // ERROR
    const tripEvents = traceE
      .flatMap((span) => span.events)
      .filter((e) => e.name === 'tristack.circuit_breaker.state_change');
    expect(tripEvents.map((event) => event.attributes?.['tristack.circuit_breaker.state'])).toContain('open');
    const traceF = spans.filter((span) => traceOf(span) === traceOf(one(spans, 'request F')));
    const rejected = traceF
      .flatMap((span) => span.events)
      .filter((e) => e.name === 'tristack.circuit_breaker.rejected');
    expect(rejected).toHaveLength(1);
    expect(traceF.find((span) => span.name.startsWith('chat '))!.attributes['error.type']).toBe(
      'CIRCUIT_OPEN',
    );

    // Metrics: bounded attributes, the run's counts.
    const recorded = await sdk.metrics();
    expect(counterValue(recorded.get('tristack.model.calls'), { 'tristack.model.outcome': 'success' })).toBe(
      3,
    );
    expect(counterValue(recorded.get('tristack.model.calls'), { 'tristack.model.outcome': 'cached' })).toBe(
      1,
    );
    expect(
      counterValue(recorded.get('tristack.model.calls'), { 'tristack.model.outcome': 'rate_limited' }),
    ).toBe(1);
    expect(counterValue(recorded.get('tristack.cache.lookups'), { 'tristack.cache.result': 'exact' })).toBe(
      1,
    );
    expect(counterValue(recorded.get('tristack.cache.tokens_saved'))).toBe(11);
    expect(
      counterValue(recorded.get('tristack.rate_limit.decisions'), { 'tristack.rate_limit.allowed': false }),
    ).toBe(1);
    expect(
      counterValue(recorded.get('tristack.circuit_breaker.transitions'), {
        'tristack.circuit_breaker.state': 'open',
      }),
    ).toBe(1);
    expect(counterValue(recorded.get('tristack.circuit_breaker.rejections'))).toBe(1);
    expect(
      counterValue(recorded.get('tristack.tool.executions'), {
        'gen_ai.tool.name': 'report',
        'tristack.tool.outcome': 'success',
      }),
    ).toBe(1);
    expect(counterValue(recorded.get('tristack.queue.jobs'), { 'messaging.operation.type': 'send' })).toBe(1);
    expect(counterValue(recorded.get('tristack.queue.jobs'), { 'tristack.queue.outcome': 'completed' })).toBe(
      1,
    );
    expect(recorded.get('gen_ai.client.token.usage')?.dataPoints.length).toBeGreaterThan(0);
    expect(recorded.get('gen_ai.client.operation.duration')?.dataPoints.length).toBeGreaterThan(0);
    expect(recorded.get('tristack.queue.job.wait_duration')?.dataPoints.length).toBe(1);

    // Nothing from the conversation, the tool call or the people in it reached an attribute.
    const texts = [
      ...attributeTexts(spans.filter((span) => !span.name.startsWith('request '))),
      ...[...recorded.values()].flatMap((metric) =>
        metric.dataPoints.flatMap((point) => Object.values(point.attributes).map(String)),
      ),
    ];
    for (const text of texts) for (const word of forbidden) expect(text).not.toContain(word);
  });
});

describe('a governed tool (ToolProvider) under the adapter', () => {
  it('is one execute_tool span, described by both layers, counted once', async () => {
    const provider = new LocalToolProvider({
      tools: [
        defineLocalTool({
          name: 'echo',
          toolkit: 'Utilities',
          description: 'echoes',
          input: z.object({ text: z.string() }),
          execute: ({ text }) => text,
        }),
      ],
    });
    const tools = await toLangChainTools(provider, { listFor: { userId: 'u1' } });
    const agent = createAgent({
      model: fakeModel()
        .respondWithTools([{ name: 'echo', args: { text: SECRET }, id: 'call-2' }])
        .respond(new AIMessage('done')),
      tools,
      middleware: productionMiddleware({ retry: false }),
    });
    await agent.invoke({ messages: [new HumanMessage('echo it')] }, { context: { userId: 'u1' } });
    const spans = sdk.spans();
    const toolSpan = one(spans, 'execute_tool echo');
    expect(toolSpan.instrumentationScope.name).toBe('@tristack/langchain');
    expect(toolSpan.attributes).toMatchObject({
      'gen_ai.tool.name': 'echo',
      'tristack.tool.provider': 'local',
      'tristack.tool.toolkit': 'Utilities',
      'tristack.tool.result_status': 'success',
      'tristack.tool.outcome': 'success',
    });
    const recorded = await sdk.metrics();
    expect(counterValue(recorded.get('tristack.tool.executions'), { 'gen_ai.tool.name': 'echo' })).toBe(1);
    for (const text of attributeTexts(spans)) expect(text).not.toContain(SECRET);
  });
});

describe('a run paused by an interrupt', () => {
  it('ends its agent span (no span left open) and marks the tool call interrupted', async () => {
    const approve = tool(async () => (interrupt({ reason: 'needs approval' }) as string) ?? 'approved', {
      name: 'approve',
      description: 'asks a human',
      schema: z.object({}),
    });
    const agent = createAgent({
      model: fakeModel()
        .respondWithTools([{ name: 'approve', args: {}, id: 'call-3' }])
        .respond(new AIMessage('done')),
      tools: [approve],
      checkpointer: new MemorySaver(),
      middleware: productionMiddleware({ retry: false }),
    });
    const config = { configurable: { thread_id: 'paused-1' } };
    await agent.invoke({ messages: [new HumanMessage('go')] }, config);
    const spans = sdk.spans();
    const agentSpan = one(spans, 'invoke_agent agent');
    expect(agentSpan.ended).toBe(true);
    expect(agentSpan.status.code).not.toBe(2);
    expect(one(spans, 'execute_tool approve').attributes['tristack.tool.outcome']).toBe('interrupted');
  });
});

describe('telemetry package metadata', () => {
  it('names the version package.json has', async () => {
    const manifest = (await import('../../package.json', { with: { type: 'json' } })).default as {
      version: string;
    };
    expect(LANGCHAIN_PACKAGE_VERSION).toBe(manifest.version);
  });
});
