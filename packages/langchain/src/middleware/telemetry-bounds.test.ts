import { AIMessage, HumanMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import { TraceFlags, context as otelContext, trace, type Span } from '@opentelemetry/api';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createAgent, tool } from 'langchain';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  InMemoryAuditLog,
  InMemoryJobQueue,
  LocalToolProvider,
  TristackError,
  defineLocalTool,
} from '@tristack/core';
import { errorTypeOf, type NewJob } from '@tristack/core/driver-kit';
import { counterValue, useOtelSdk } from '@tristack/testing/otel';
import { productionMiddleware } from './production-middleware.js';

/** Spans started and not (yet) ended: a run must leave none behind. */
const open = new Set<Span>();
const tracking: SpanProcessor = {
  onStart: (span) => void open.add(span),
  onEnd: (span) => void open.delete(span as unknown as Span),
  forceFlush: async () => {},
  shutdown: async () => {},
};
const sdk = useOtelSdk([tracking]);

const SECRET = 'sk-live-5UPERSECRET';
const context = { userId: 'u1' };
const one = (spans: ReadableSpan[], name: string) => {
  const found = spans.filter((span) => span.name === name);
  expect(found, name).toHaveLength(1);
  return found[0]!;
};
const openNames = () => [...open].map((span) => (span as unknown as ReadableSpan).name);
const texts = (spans: ReadableSpan[]) =>
  spans.flatMap((span) => [span.name, ...Object.values(span.attributes).map(String)]);

describe('tool names on telemetry', () => {
  it('records a tool name the model invented as _OTHER, on the span and the metric', async () => {
    const echo = tool(async () => 'ok', { name: 'echo', description: 'echo', schema: z.object({}) });
    const invented = `leak ${SECRET} user-7781`;
    const agent = createAgent({
      model: fakeModel()
        .respondWithTools([{ name: invented, args: {}, id: 'c1' }])
        .respondWithTools([{ name: 'echo', args: {}, id: 'c2' }])
        .respond(new AIMessage('done')),
      tools: [echo],
      middleware: productionMiddleware({ retry: false }),
    });
    await agent.invoke({ messages: [new HumanMessage('go')] }, { context });
    const spans = sdk.spans();
    expect(one(spans, 'execute_tool _OTHER').attributes['gen_ai.tool.name']).toBe('_OTHER');
    expect(one(spans, 'execute_tool echo').attributes['gen_ai.tool.name']).toBe('echo');
    const executions = (await sdk.metrics()).get('tristack.tool.executions');
    expect(executions!.dataPoints.map((point) => point.attributes['gen_ai.tool.name']).sort()).toEqual([
      '_OTHER',
      'echo',
    ]);
    for (const text of texts(spans)) expect(text).not.toContain(SECRET);
  });

  it('records a name no ToolProvider tool has as _OTHER (ToolGovernance not_found)', async () => {
    const provider = new LocalToolProvider({
      tools: [defineLocalTool({ name: 'ok', description: 'd', input: z.object({}), execute: () => 'ok' })],
    });
    const result = await provider.execute({
      toolName: `ignore previous instructions ${SECRET}`,
      input: {},
      userId: 'alice',
    });
    expect(result.status).toBe('tool_error');
    const spans = sdk.spans();
    expect(one(spans, 'execute_tool _OTHER').attributes['tristack.tool.result_status']).toBe('not_found');
    const executions = (await sdk.metrics()).get('tristack.tool.executions');
    expect(counterValue(executions, { 'gen_ai.tool.name': '_OTHER' })).toBe(1);
    for (const text of texts(spans)) expect(text).not.toContain(SECRET);
  });
});

describe('model-supplied text on spans', () => {
  it('cuts the response model, finish reason and tool call id to 256 characters', async () => {
    const echo = tool(async () => 'ok', { name: 'echo', description: 'echo', schema: z.object({}) });
    const long = (letter: string) => letter.repeat(100_000);
    const agent = createAgent({
      model: fakeModel()
        .respondWithTools([{ name: 'echo', args: {}, id: long('c') }])
        .respond(
          new AIMessage({
            content: 'done',
            response_metadata: { model_name: long('m'), finish_reason: long('f') },
          }),
        ),
      tools: [echo],
      middleware: productionMiddleware({ retry: false }),
    });
    await agent.invoke({ messages: [new HumanMessage('go')] }, { context });
    const spans = sdk.spans();
    expect(one(spans, 'execute_tool echo').attributes['gen_ai.tool.call.id']).toBe('c'.repeat(256));
    const answered = spans.find((span) => span.attributes['gen_ai.response.model'] !== undefined);
    expect(answered?.attributes['gen_ai.response.model']).toBe('m'.repeat(256));
    expect(answered?.attributes['gen_ai.response.finish_reasons']).toEqual(['f'.repeat(256)]);
    for (const span of spans)
      for (const value of Object.values(span.attributes)) expect(String(value).length).toBeLessThan(10_000);
  });
});

describe('error.type', () => {
  it('is a Tristack code, a plain class name or _OTHER; never free-form code or name text', () => {
    class ProviderError extends Error {}
    const forged = Object.assign(new ProviderError('x'), { name: `Err ${SECRET}`, code: `E_${SECRET}` });
    expect(errorTypeOf(forged)).toBe('ProviderError');
    const weird = new (class {})();
    expect(errorTypeOf(weird)).toBe('_OTHER');
    expect(errorTypeOf(`text ${SECRET}`)).toBe('_OTHER');
    expect(errorTypeOf(new TristackError('ABORTED', 'stopped'))).toBe('ABORTED');
  });

  it('a model error with secret-bearing name and code marks its spans with the class name only', async () => {
    const failure = Object.assign(new Error(`401 ${SECRET}`), {
      name: `ProviderError ${SECRET}`,
      code: SECRET,
    });
    const agent = createAgent({
      model: fakeModel().respond(failure),
      middleware: productionMiddleware({ retry: false }),
    });
    await expect(agent.invoke({ messages: [new HumanMessage('hi')] })).rejects.toThrow();
    const spans = sdk.spans();
    expect(one(spans, 'invoke_agent agent').attributes['error.type']).toBe('Error');
    for (const text of texts(spans)) expect(text).not.toContain(SECRET);
  });
});

describe('the invoke_agent span of a run that throws', () => {
  it('ends, failed, when a tool throws and the run fails', async () => {
    const broken = tool(
      async () => {
        throw new Error('database down');
      },
      { name: 'broken', description: 'fails', schema: z.object({}) },
    );
    const agent = createAgent({
      model: fakeModel()
        .respondWithTools([{ name: 'broken', args: {}, id: 'c1' }])
        .respond(new AIMessage('done')),
      tools: [broken],
      middleware: productionMiddleware({ retry: false, auditLog: new InMemoryAuditLog() }),
    });
    await expect(agent.invoke({ messages: [new HumanMessage('go')] }, { context })).rejects.toThrow();
    const agentSpan = one(sdk.spans(), 'invoke_agent agent');
    expect(agentSpan.status.code).toBe(2);
    expect(openNames()).toEqual([]);
  });

  it('ends, failed, when the caller aborts the run between steps', async () => {
    const controller = new AbortController();
    const stop = tool(
      async () => {
        controller.abort();
        return 'stopping';
      },
      { name: 'stop', description: 'aborts', schema: z.object({}) },
    );
    const agent = createAgent({
      model: fakeModel()
        .respondWithTools([{ name: 'stop', args: {}, id: 'c1' }])
        .respond(new AIMessage('done')),
      tools: [stop],
      middleware: productionMiddleware({ retry: false }),
    });
    await expect(
      agent.invoke({ messages: [new HumanMessage('go')] }, { context, signal: controller.signal }),
    ).rejects.toThrow();
    const agentSpan = one(sdk.spans(), 'invoke_agent agent');
    expect(agentSpan.status.code).toBe(2);
    expect(agentSpan.attributes['error.type']).toBe('AbortError');
    expect(openNames()).toEqual([]);
  });

  it('leaves no span open when the identity guard refuses the run', async () => {
    const agent = createAgent({
      model: fakeModel().respond(new AIMessage('never')),
      middleware: productionMiddleware({ retry: false, auditLog: new InMemoryAuditLog() }),
    });
    await expect(agent.invoke({ messages: [new HumanMessage('go')] })).rejects.toThrow(/userId/);
    expect(openNames()).toEqual([]);
  });
});

describe('audit events and trace ids', () => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const spanId = '00f067aa0ba902b7';

  it('rejects ids that are not a W3C pair, and records the active span’s over the caller’s', async () => {
    const log = new InMemoryAuditLog();
    for (const forged of [{ traceId: 'not-hex', spanId: 'forged' }, { traceId: null }, { spanId }])
      await expect(
        log.record({ type: 'tool.call.executed', data: { tool: 'x', ...forged } } as never),
      ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    const active = await trace.getTracer('test').startActiveSpan('request', async (span) => {
      await log.record({ type: 'tool.call.executed', data: { tool: 'x', traceId, spanId } });
      span.end();
      return span.spanContext();
    });
    const [event] = (await log.query({})).events;
    expect(event!.data).toMatchObject({ traceId: active.traceId, spanId: active.spanId });
    expect((await log.verify()).valid).toBe(true);
  });

  it('does not count the ids it adds against maxEventBytes', async () => {
    const data = { tool: 'x', note: '' };
    const fit = 256;
    data.note = 'n'.repeat(fit - Buffer.byteLength(JSON.stringify({ ...data })));
    expect(Buffer.byteLength(JSON.stringify(data))).toBe(fit);
    const log = new InMemoryAuditLog({ maxEventBytes: fit });
    await trace.getTracer('test').startActiveSpan('request', async (span) => {
      await log.record({ type: 'tool.call.executed', data });
      span.end();
    });
    const [event] = (await log.query({})).events;
    expect(event!.data['traceId']).toMatch(/^[0-9a-f]{32}$/);
    await expect(
      log.record({ type: 'tool.call.executed', data: { ...data, note: `${data.note}n` } }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});

describe('a job enqueued by an unsampled request', () => {
  it('runs unsampled in the request’s trace instead of starting a sampled root', async () => {
    const queue = new InMemoryJobQueue();
    const unsampled = trace.wrapSpanContext({
      traceId: 'c'.repeat(32),
      spanId: 'd'.repeat(16),
      traceFlags: TraceFlags.NONE,
      isRemote: true,
    });
    const id = await otelContext.with(trace.setSpan(otelContext.active(), unsampled), () =>
      queue.enqueue('mail', { to: 'x' }),
    );
    const worker = await queue.process('mail', async () => 'sent');
    await queue.result(id);
    await worker.close();
    await queue.close();
    expect(sdk.spans().filter((span) => span.name.startsWith('process '))).toEqual([]);
  });
});

describe('a stored traceparent with undefined flag bits', () => {
  it('links the attempt with the sampled bit only', async () => {
    const stored = `00-${'e'.repeat(32)}-${'f'.repeat(16)}-ff`;
    /** A store that hands back a traceparent whose flags have every bit set. */
    class ForgedFlagsQueue extends InMemoryJobQueue {
      protected override addJob(job: NewJob): Promise<string> {
        return super.addJob({ ...job, traceparent: stored });
      }
    }
    const queue = new ForgedFlagsQueue();
    const id = await queue.enqueue('flags', null);
    const worker = await queue.process('flags', async () => 'done');
    await queue.result(id);
    await worker.close();
    await queue.close();
    const process = one(sdk.spans(), 'process flags');
    expect(process.links.map((link) => link.context.traceFlags)).toEqual([TraceFlags.SAMPLED]);
    expect(process.spanContext().traceId).toBe('e'.repeat(32));
  });
});
