import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import type { AuditEvent } from '@tristack/core';
import { RedisAuditLog } from '@tristack/redis';
import { useRedis } from '@tristack/testing/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInProcess } from './run-cli.fixture.js';

const redis = useRedis();

// An SDK as an application registers one: the log takes the ids from the span active at record().
const tracerProvider = new BasicTracerProvider();
const contextManager = new AsyncLocalStorageContextManager();
beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
  trace.setGlobalTracerProvider(tracerProvider);
});
afterAll(async () => {
  await tracerProvider.shutdown();
  trace.disable();
  context.disable();
});

describe('tristack audit --json: the OpenTelemetry ids an event carries', () => {
  it('prints traceId and spanId, and the chain still verifies', async () => {
    const log = new RedisAuditLog({ client: redis.client });
    // An event recorded inside a span carries its ids (the log adds them); one outside has none.
    const { traceId, spanId } = await trace.getTracer('test-app').startActiveSpan('request', async (span) => {
      await log.record({
        type: 'tool.call.executed',
        tenantId: 'acme',
        runId: 'run-7',
        data: { tool: 'Search' },
      });
      span.end();
      return span.spanContext();
    });
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    await log.record({
      type: 'tool.call.executed',
      tenantId: 'acme',
      runId: 'run-7',
      data: { tool: 'Mail' },
    });
    const url = `${redis.url}/${redis.database}`;
    const run = await runInProcess(['--url', url, 'audit', 'run', 'run-7', '--tenant', 'acme', '--json']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const page = JSON.parse(run.stdout) as { events: AuditEvent[] };
    expect(page.events.map((event) => [event.data['traceId'], event.data['spanId']])).toEqual([
      [traceId, spanId],
      [undefined, undefined],
    ]);
    const verify = await runInProcess(['--url', url, 'audit', 'verify', 'acme', '--json']);
    expect(JSON.parse(verify.stdout)).toMatchObject({ valid: true });
  });
});
