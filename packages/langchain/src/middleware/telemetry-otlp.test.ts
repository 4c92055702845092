import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AIMessage, HumanMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createAgent, tool } from 'langchain';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InMemoryAuditLog, InMemoryRateLimiter, InMemorySemanticCache } from '@tristack/core';
import { useOtelSdk } from '@tristack/testing/otel';
import { productionMiddleware } from './production-middleware.js';

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string | number; boolValue?: boolean };
}
interface OtlpSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: OtlpAttribute[];
}
interface OtlpExport {
  resourceSpans: { scopeSpans: { scope: { name: string; version?: string }; spans: OtlpSpan[] }[] }[];
}

// A stand-in for an OpenTelemetry Collector: an OTLP/HTTP JSON receiver on 127.0.0.1.
const received: { path: string; contentType: string | undefined; body: OtlpExport }[] = [];
const readBody = async (request: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};
const receiver = createServer((request, response) => {
  void readBody(request).then((text) => {
    received.push({
      path: request.url ?? '',
      contentType: request.headers['content-type'],
      body: JSON.parse(text) as OtlpExport,
    });
    response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/v1/traces`;
const sdk = useOtelSdk([new SimpleSpanProcessor(new OTLPTraceExporter({ url }))]);
afterAll(async () => {
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
});

const attributesOf = (span: OtlpSpan) =>
  Object.fromEntries(
    span.attributes.map(({ key, value }) => [
      key,
      value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : value.boolValue),
    ]),
  );

describe('OTLP/HTTP export', () => {
  it('delivers the agent’s spans to a collector over real HTTP', async () => {
    const lookup = tool(async ({ city }: { city: string }) => `sunny in ${city}`, {
      name: 'weather',
      description: 'weather of a city',
      schema: z.object({ city: z.string() }),
    });
    const agent = createAgent({
      model: fakeModel()
        .respondWithTools([{ name: 'weather', args: { city: 'Lima' }, id: 'call-9' }])
        .respond(new AIMessage('sunny')),
      tools: [lookup],
      middleware: productionMiddleware({
        auditLog: new InMemoryAuditLog(),
        cache: new InMemorySemanticCache({}),
        limiter: new InMemoryRateLimiter({
          limits: [
            { name: 'rpm', algorithm: 'fixed-window', anchor: 'first-hit', limit: 10, windowMs: 60_000 },
          ],
        }),
        retry: false,
      }),
    });
    await agent.invoke({ messages: [new HumanMessage('weather in Lima?')] }, { context: { userId: 'u' } });
    await sdk.flush();

    expect(received.length).toBeGreaterThan(0);
    expect(received.every((request) => request.path === '/v1/traces')).toBe(true);
    expect(received[0]!.contentType).toMatch(/application\/json/);
    const spans = received.flatMap((request) =>
      request.body.resourceSpans.flatMap((resource) =>
        resource.scopeSpans.flatMap((scope) => scope.spans.map((span) => ({ scope: scope.scope, span }))),
      ),
    );
    const named = (name: string) => spans.filter(({ span }) => span.name === name);
    const [agentSpan] = named('invoke_agent agent');
    expect(agentSpan?.scope.name).toBe('@tristack/langchain');
    const chats = named('chat fake-model-builder');
    expect(chats).toHaveLength(2);
    expect(chats.every(({ span }) => span.parentSpanId === agentSpan!.span.spanId)).toBe(true);
    expect(attributesOf(chats[0]!.span)).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'fake-model-builder',
    });
    const [toolSpan] = named('execute_tool weather');
    expect(attributesOf(toolSpan!.span)).toMatchObject({
      'gen_ai.tool.name': 'weather',
      'tristack.tool.outcome': 'success',
    });
    expect(named('tristack.cache.lookup')).toHaveLength(2);
    expect(named('tristack.rate_limit')).toHaveLength(2);
    expect(new Set(spans.map(({ span }) => span.traceId)).size).toBe(1);
  });
});
