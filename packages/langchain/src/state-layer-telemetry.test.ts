import { AIMessage, HumanMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import { trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { createAgent, tool } from 'langchain';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import {
  InMemoryJobQueue,
  InMemorySemanticCache,
  InMemoryTokenStream,
  LocalToolProvider,
  defineLocalTool,
  type JobQueue,
  type QueueStats,
  type TokenStream,
  type TokenStreamEntry,
} from '@tristack/core';
import { RedisJobQueue, RedisTokenStream } from '@tristack/redis';
import { useRedis } from '@tristack/testing/redis';
import { counterValue, useOtelSdk } from '@tristack/testing/otel';
import type { MetricData } from '@opentelemetry/sdk-metrics';
import { productionMiddleware } from './middleware/production-middleware.js';

const sdk = useOtelSdk();
const redis = useRedis();
const tracer = trace.getTracer('test-app');
const SECRET = 'sk-live-5UPERSECRET';

const idOf = (span: ReadableSpan) => span.spanContext().spanId;
const named = (name: string) => sdk.spans().filter((span) => span.name === name);

/** Runs `fn` inside an app span (a request), as a server would. */
function inRequest<T>(name: string, fn: () => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, async (span) => {
    try {
      return await fn();
    } finally {
      span.end();
    }
  });
}

async function readAll(stream: TokenStream, streamId: string, after?: string): Promise<TokenStreamEntry[]> {
  const entries: TokenStreamEntry[] = [];
  for await (const entry of stream.read(streamId, after === undefined ? {} : { after })) entries.push(entry);
  return entries;
}

const streamsOf = {
  memory: () => new InMemoryTokenStream({ heartbeatIntervalMs: 0 }),
  redis: () => new RedisTokenStream({ client: redis.client, prefix: redis.prefix, heartbeatIntervalMs: 0 }),
};

describe.each(['memory', 'redis'] as const)('token stream spans (%s driver)', (kind) => {
  it('one produce span per write session and one consume span per read, linked to it', async () => {
    const stream = streamsOf[kind]();
    const chunks = Array.from({ length: 300 }, (_, index) => `tok${index} `);
    await inRequest('request produce', async () => {
      const writer = await stream.open('answer-1', { maxBatchChunks: 64 });
      for (const chunk of chunks) await writer.write(chunk);
      await writer.end();
    });
    // Another request (a client's resume) reads it: its own trace, linked to the producer.
    const read = await inRequest('request consume', () => readAll(stream, 'answer-1'));
    expect(read.map((entry) => entry.chunk)).toEqual(chunks);
    const resumed = await inRequest('request resume', () => readAll(stream, 'answer-1', read[99]!.id));
    expect(resumed).toHaveLength(200);

    const [produce, ...moreProduce] = named('tristack.token_stream.produce');
    expect(moreProduce).toHaveLength(0);
    const [request] = named('request produce');
    expect(produce!.kind).toBe(3); // PRODUCER
    expect(produce!.parentSpanContext?.spanId).toBe(idOf(request!));
    const entries = produce!.attributes['tristack.token_stream.entries'] as number;
    expect(produce!.attributes).toMatchObject({
      'tristack.token_stream.operation': 'produce',
      'tristack.token_stream.outcome': 'ended',
      'tristack.token_stream.chunks': 300,
    });
    // Bounded: batches, not tokens (300 chunks in batches of at most 64).
    expect(entries).toBeGreaterThanOrEqual(5);
    expect(entries).toBeLessThan(300);

    const consumes = named('tristack.token_stream.consume');
    expect(consumes).toHaveLength(2);
    const [consumeRequest] = named('request consume');
    const first = consumes.find((span) => span.parentSpanContext?.spanId === idOf(consumeRequest!))!;
    expect(first.kind).toBe(4); // CONSUMER
    expect(first.spanContext().traceId).toBe(consumeRequest!.spanContext().traceId);
    expect(first.links.map((link) => link.context.spanId)).toEqual([idOf(produce!)]);
    expect(first.links[0]!.context.traceId).toBe(produce!.spanContext().traceId);
    expect(first.attributes).toMatchObject({
      'tristack.token_stream.operation': 'consume',
      'tristack.token_stream.outcome': 'ended',
      'tristack.token_stream.chunks': 300,
      'tristack.token_stream.resumed': false,
    });
    const second = consumes.find((span) => span !== first)!;
    expect(second.attributes).toMatchObject({
      'tristack.token_stream.chunks': 200,
      'tristack.token_stream.resumed': true,
    });
    expect(second.links.map((link) => link.context.spanId)).toEqual([idOf(produce!)]);
    // Nothing app-chosen (the stream id) or written (the chunks) is on a span.
    for (const span of [produce!, ...consumes])
      for (const value of Object.values(span.attributes)) {
        expect(String(value)).not.toContain('answer-1');
        expect(String(value)).not.toContain('tok1');
      }
    if (kind === 'redis') {
      const meta = (stream as RedisTokenStream).keys('answer-1').meta;
      const { traceId, spanId } = produce!.spanContext();
      expect(await redis.client.hGet(meta, 'traceparent')).toBe(`00-${traceId}-${spanId}-01`);
    }
  });

  it('records a failed stream, a reader that stops early and a refused open', async () => {
    const stream = streamsOf[kind]();
    const writer = await stream.open('answer-2');
    await writer.write('partial ');
    await writer.fail(new Error(`provider broke with ${SECRET}`));
    await expect(readAll(stream, 'answer-2')).rejects.toMatchObject({ code: 'STREAM_FAILED' });
    const ok = await stream.open('answer-3');
    await ok.write('a');
    await ok.write('b');
    await ok.end();
    for await (const entry of stream.read('answer-3')) {
      expect(entry.chunk).toBe('a');
      break;
    }
    await expect(stream.open('answer-3')).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(readAll(stream, 'never-opened')).rejects.toMatchObject({ code: 'NOT_FOUND' });

    const produced = named('tristack.token_stream.produce');
    expect(produced.map((span) => span.attributes['tristack.token_stream.outcome'])).toEqual([
      'failed',
      'ended',
      'error',
    ]);
    expect(produced[0]!.status.code).toBe(2); // ERROR
    expect(produced[0]!.attributes['error.type']).toBe('Error');
    expect(produced[2]!.attributes['error.type']).toBe('CONFLICT');
    const consumed = named('tristack.token_stream.consume');
    expect(consumed.map((span) => span.attributes['tristack.token_stream.outcome'])).toEqual([
      'failed',
      'stopped',
      'failed',
    ]);
    expect(consumed[0]!.attributes['error.type']).toBe('STREAM_FAILED');
    expect(consumed[0]!.links).toHaveLength(1);
    expect(consumed[1]!.attributes['tristack.token_stream.chunks']).toBe(1);
    expect(consumed[2]!.attributes['error.type']).toBe('NOT_FOUND');
    expect(consumed[2]!.links).toHaveLength(0);
    for (const span of [...produced, ...consumed])
      for (const value of Object.values(span.attributes)) expect(String(value)).not.toContain(SECRET);
  });
});

const queuesOf = {
  memory: (): JobQueue => new InMemoryJobQueue(),
  redis: (): JobQueue => new RedisJobQueue({ client: redis.client, prefix: redis.prefix }),
};

describe.each(['memory', 'redis'] as const)('queue depth and processing time (%s driver)', (kind) => {
  it('reports the depth of the queues this process works on, by state, until its worker closes', async () => {
    const queue = queuesOf[kind]();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const worker = await queue.process('reports', async () => {
      started();
      await released;
      return { done: true };
    });
    const ids = [
      await queue.enqueue('reports', { n: 1 }),
      await queue.enqueue('reports', { n: 2 }),
      await queue.enqueue('reports', { n: 3 }),
      await queue.enqueue('reports', { n: 4 }, { delayMs: 60_000 }),
    ];
    await running;
    const depth = (await sdk.metrics()).get('tristack.queue.depth');
    expect(depth?.descriptor.unit).toBe('{job}');
    const at = (state: string) =>
      counterValue(depth, { 'messaging.destination.name': 'reports', 'tristack.queue.job.state': state });
    expect(at('active')).toBe(1);
    expect(at('waiting')).toBe(2);
    expect(at('delayed')).toBe(1);
    expect(at('dead')).toBe(0);
    for (const point of depth!.dataPoints)
      expect(point.attributes).toEqual({
        'messaging.destination.name': 'reports',
        'tristack.queue.job.state': point.attributes['tristack.queue.job.state'],
        'tristack.queue.driver': kind,
      });

    release();
    for (const id of ids.slice(0, 3)) expect((await queue.result(id)).status).toBe('completed');
    const afterRun = await sdk.metrics();
    const processing = afterRun.get('messaging.process.duration');
    expect(processing?.descriptor.unit).toBe('s');
    const completed = processing!.dataPoints.filter(
      (point) => point.attributes['tristack.queue.outcome'] === 'completed',
    );
    expect(completed.map((point) => (point.value as { count: number }).count)).toEqual([3]);
    expect(completed[0]!.attributes).toMatchObject({
      'messaging.system': 'tristack',
      'messaging.operation.type': 'process',
      'messaging.destination.name': 'reports',
    });

    await worker.close();
    const closed = (await sdk.metrics()).get('tristack.queue.depth');
    expect(counterValue(closed, { 'messaging.destination.name': 'reports' })).toBe(0);
    expect(closed?.dataPoints ?? []).toHaveLength(0);
    // A worker still running when its queue closes stops being read too.
    await queue.process('other', async () => ({}));
    const other = (await sdk.metrics()).get('tristack.queue.depth');
    expect(other?.dataPoints.map((point) => point.attributes['messaging.destination.name'])).toEqual(
      Array.from({ length: 5 }, () => 'other'),
    );
    await queue.close();
    expect((await sdk.metrics()).get('tristack.queue.depth')?.dataPoints ?? []).toHaveLength(0);
  });
});

/** The gauge's reading for one name and state, or undefined when no data point has them. */
function depthOf(metric: MetricData | undefined, name: string, state: string): number | undefined {
  const point = metric?.dataPoints.find(
    (candidate) =>
      candidate.attributes['messaging.destination.name'] === name &&
      candidate.attributes['tristack.queue.job.state'] === state,
  );
  return point?.value as number | undefined;
}

/** An in-memory queue whose count never answers: a store that hangs. */
class HungCountQueue extends InMemoryJobQueue {
  protected override countJobs(): Promise<QueueStats> {
    return new Promise(() => {});
  }
}

/** An in-memory queue whose count throws before returning a promise. */
class ThrowingCountQueue extends InMemoryJobQueue {
  protected override countJobs(): Promise<QueueStats> {
    throw new Error('count failed');
  }
}

describe('queue depth across stores', () => {
  it('adds up queues of one name on different stores and reads a shared store once', async () => {
    const first = new RedisJobQueue({ client: redis.client, prefix: `${redis.prefix}first` });
    const second = new RedisJobQueue({ client: redis.client, prefix: `${redis.prefix}second` });
    // Same client and prefix as `first`: the same jobs, so they must not be counted twice.
    const firstAgain = new RedisJobQueue({ client: redis.client, prefix: `${redis.prefix}first` });
    try {
      for (let index = 0; index < 5; index++) await first.enqueue('same', { index }, { delayMs: 600_000 });
      await second.enqueue('same', { index: 0 }, { delayMs: 600_000 });
      await first.process('same', async () => ({}));
      await first.process('same', async () => ({}));
      await second.process('same', async () => ({}));
      await firstAgain.process('same', async () => ({}));
      const depth = (await sdk.metrics()).get('tristack.queue.depth');
      expect(depthOf(depth, 'same', 'delayed')).toBe(6);
      expect(depth?.dataPoints).toHaveLength(5);

      await second.close();
      expect(depthOf((await sdk.metrics()).get('tristack.queue.depth'), 'same', 'delayed')).toBe(5);
    } finally {
      await Promise.all([first.close(), second.close(), firstAgain.close()]);
    }
  });

  it('keeps reporting the other queues when one count hangs or throws synchronously', async () => {
    const healthy = new InMemoryJobQueue();
    const hung = new HungCountQueue();
    const throwing = new ThrowingCountQueue();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      await healthy.enqueue('healthy', null, { delayMs: 600_000 });
      await healthy.process('healthy', async () => ({}));
      await hung.process('hung', async () => ({}));
      await throwing.process('throwing', async () => ({}));
      const collected = sdk.metrics();
      // The hung count's own time limit passes; the collection then ends without it.
      await vi.advanceTimersByTimeAsync(5_000);
      const depth = (await collected).get('tristack.queue.depth');
      expect(depthOf(depth, 'healthy', 'delayed')).toBe(1);
      expect(depthOf(depth, 'hung', 'waiting')).toBeUndefined();
      expect(depthOf(depth, 'throwing', 'waiting')).toBeUndefined();
      expect(depth?.dataPoints).toHaveLength(5);
    } finally {
      vi.useRealTimers();
      await Promise.all([healthy.close(), hung.close(), throwing.close()]);
    }
  });
});

describe('tokens and cost saved by cache hits', () => {
  it('counts the saved tokens and USD of each hit, by hit kind', async () => {
    const cache = new InMemorySemanticCache({
      pricing: { 'fake-model-builder': { inputPerMillionTokens: 100_000, outputPerMillionTokens: 200_000 } },
    });
    const agent = createAgent({
      model: fakeModel().respond(
        new AIMessage({
          content: 'Paris',
          usage_metadata: { input_tokens: 10, output_tokens: 1, total_tokens: 11 },
        }),
      ),
      middleware: productionMiddleware({ cache, retry: false }),
    });
    const ask = () =>
      agent.invoke(
        { messages: [new HumanMessage('capital of France?')] },
        { context: { tenantId: 't', userId: 'u' } },
      );
    await ask();
    await ask();
    await ask();
    const recorded = await sdk.metrics();
    expect(
      counterValue(recorded.get('tristack.cache.tokens_saved'), { 'tristack.cache.result': 'exact' }),
    ).toBe(22);
    const cost = recorded.get('tristack.cache.cost_saved');
    expect(cost?.descriptor.unit).toBe('{USD}');
    // 10 input tokens at $0.10 each plus 1 output token at $0.20, per hit: what the cache's own stats say.
    expect(counterValue(cost, { 'tristack.cache.result': 'exact' })).toBeCloseTo(2.4, 6);
    expect((await cache.stats()).costSavedUsd).toBeCloseTo(2.4, 6);
  });
});

describe('tool arguments and results on execute_tool spans', () => {
  const report = tool(async ({ city }: { city: string; apiKey: string }) => `report for ${city} ready`, {
    name: 'report',
    description: 'reports on a city',
    schema: z.object({ city: z.string(), apiKey: z.string() }),
  });
  const agentWith = (telemetry: Parameters<typeof productionMiddleware>[0]['telemetry']) =>
    createAgent({
      model: fakeModel()
        .respondWithTools([{ name: 'report', args: { city: 'Oslo', apiKey: SECRET }, id: 'call-9' }])
        .respond(new AIMessage('done')),
      tools: [report],
      middleware: productionMiddleware({ retry: false, telemetry }),
    });

  it('are left out by default', async () => {
    await agentWith(true).invoke({ messages: [new HumanMessage('go')] });
    const [span] = named('execute_tool report');
    expect(span!.attributes['gen_ai.tool.call.arguments']).toBeUndefined();
    expect(span!.attributes['gen_ai.tool.call.result']).toBeUndefined();
    for (const value of Object.values(span!.attributes)) expect(String(value)).not.toMatch(/Oslo|5UPER/);
  });

  it('are recorded, redacted and cut to length, when the app opts in', async () => {
    await agentWith({ toolContent: true }).invoke({ messages: [new HumanMessage('go')] });
    const [span] = named('execute_tool report');
    const args = span!.attributes['gen_ai.tool.call.arguments'] as string;
    expect(JSON.parse(args)).toMatchObject({ city: 'Oslo' });
    expect(args).not.toContain(SECRET);
    expect(span!.attributes['gen_ai.tool.call.result']).toBe('report for Oslo ready');

    await agentWith({ toolContent: { maxLength: 16 } }).invoke({ messages: [new HumanMessage('go')] });
    const cut = named('execute_tool report')[1]!;
    expect(cut.attributes['gen_ai.tool.call.result']).toBe('report for Oslo…');
  });

  it('are recorded by a ToolProvider that opts in (ToolGovernance), arguments only from the model', async () => {
    const provider = new LocalToolProvider({
      telemetryToolContent: true,
      tools: [
        defineLocalTool({
          name: 'echo',
          description: 'echoes',
          input: z.object({ text: z.string(), password: z.string() }),
          execute: ({ text }) => ({ echoed: text }),
        }),
      ],
    });
    const result = await provider.execute({
      userId: 'u1',
      toolName: 'echo',
      input: { text: 'hello', password: SECRET },
    });
    expect(result.status).toBe('success');
    const [span] = named('execute_tool echo');
    expect(span!.instrumentationScope.name).toBe('@tristack/core');
    const args = JSON.parse(span!.attributes['gen_ai.tool.call.arguments'] as string) as Record<
      string,
      unknown
    >;
    expect(args['text']).toBe('hello');
    expect(JSON.stringify(args)).not.toContain(SECRET);
    expect(JSON.parse(span!.attributes['gen_ai.tool.call.result'] as string)).toEqual({ echoed: 'hello' });
  });
});
