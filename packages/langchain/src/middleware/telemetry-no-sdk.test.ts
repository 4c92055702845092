import { AIMessage, HumanMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import { metrics, trace } from '@opentelemetry/api';
import { createAgent, tool } from 'langchain';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InMemoryAuditLog, InMemoryJobQueue, InMemorySemanticCache } from '@tristack/core';
import { RedisJobQueue, RedisTokenStream } from '@tristack/redis';
import { useRedis } from '@tristack/testing/redis';
import { langchainTelemetry } from '../telemetry.js';
import { productionMiddleware } from './production-middleware.js';

const redis = useRedis();

// No OpenTelemetry SDK is registered in this file: the API's globals are its no-ops.
describe('telemetry without an OpenTelemetry SDK', () => {
  it('emits nothing, stores no trace ids and changes nothing', async () => {
    expect(trace.getTracerProvider().getTracer('probe').startSpan('probe').isRecording()).toBe(false);
    expect(langchainTelemetry.tracer.startSpan('probe').isRecording()).toBe(false);
    const auditLog = new InMemoryAuditLog();
    const queue = new InMemoryJobQueue();
    const redisQueue = new RedisJobQueue({ client: redis.client, prefix: redis.prefix });
    const jobIds: string[] = [];
    const enqueue = tool(
      async ({ city }: { city: string }) => {
        jobIds.push(await queue.enqueue('report', { city }), await redisQueue.enqueue('report', { city }));
        return `queued ${city}`;
      },
      { name: 'enqueue', description: 'queues a report', schema: z.object({ city: z.string() }) },
    );
    const model = fakeModel()
      .respondWithTools([{ name: 'enqueue', args: { city: 'Rome' }, id: 'call-1' }])
      .respond(new AIMessage('queued'))
      .respond(new AIMessage('Rome'));
    const agent = createAgent({
      model,
      tools: [enqueue],
      middleware: productionMiddleware({ auditLog, cache: new InMemorySemanticCache({}), retry: false }),
    });
    const run = (text: string) =>
      agent.invoke({ messages: [new HumanMessage(text)] }, { context: { tenantId: 't', userId: 'u' } });
    expect((await run('report on Rome')).messages.at(-1)!.text).toBe('queued');
    await run('capital of Italy?');
    const cached = await run('capital of Italy?');
    expect(cached.messages.at(-1)!.text).toBe('Rome');
    expect(model.callCount).toBe(3);

    const { events } = await auditLog.query({ tenantId: 't' });
    expect(events.length).toBeGreaterThan(0);
    expect(events.some((event) => 'traceId' in event.data || 'spanId' in event.data)).toBe(false);
    expect((await auditLog.verify('t')).valid).toBe(true);
    // The Redis job hash holds no trace context either.
    const [, redisJobId] = jobIds;
    const unique = redisJobId!.slice('report:'.length);
    const keys = await redis.client.keys(`${redis.prefix}*`);
    const jobKey = keys.find((key) => key.endsWith(unique));
    expect(jobKey).toBeDefined();
    expect(await redis.client.hGet(jobKey!, 'traceparent')).toBeNull();
    // A token stream works as without telemetry, and stores no producer context with the stream.
    const stream = new RedisTokenStream({
      client: redis.client,
      prefix: redis.prefix,
      heartbeatIntervalMs: 0,
    });
    const writer = await stream.open('answer-1');
    await writer.write('Ro');
    await writer.end('me');
    const chunks: string[] = [];
    for await (const entry of stream.read('answer-1')) chunks.push(entry.chunk);
    expect(chunks).toEqual(['Ro', 'me']);
    expect(await redis.client.hGet(stream.keys('answer-1').meta, 'traceparent')).toBeNull();
    expect(trace.getActiveSpan()).toBeUndefined();
    expect(metrics.getMeterProvider().getMeter('probe').createCounter('probe')).toBeDefined();
    await queue.close();
    await redisQueue.close();
  });
});
