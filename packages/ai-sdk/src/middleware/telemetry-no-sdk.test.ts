import { trace } from '@opentelemetry/api';
import { generateText, streamText, wrapLanguageModel } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { InMemoryAuditLog, InMemoryRateLimiter, InMemorySemanticCache } from '@tristack/core';
import { answer, streamed } from '../drivers.fixture.js';
import { tristackMetadataOf } from '../model-call.js';
import { withRunIdentity } from '../run-identity.js';
import { aiSdkTelemetry } from '../telemetry.js';
import { productionMiddleware } from './production-middleware.js';

// No OpenTelemetry SDK is registered in this file: the API's globals are its no-ops.
describe('AI SDK telemetry without an OpenTelemetry SDK', () => {
  it('emits nothing and changes nothing: generate, stream, a cache hit, a denial', async () => {
    expect(trace.getTracerProvider().getTracer('probe').startSpan('probe').isRecording()).toBe(false);
    expect(aiSdkTelemetry.tracer.startSpan('probe').isRecording()).toBe(false);
    const model = new MockLanguageModelV3({
      provider: 'openai.chat',
      modelId: 'gpt-test',
      doGenerate: async () => answer('generated'),
      doStream: async () => streamed('streamed answer'),
    });
    const auditLog = new InMemoryAuditLog();
    const wrapped = wrapLanguageModel({
      model,
      middleware: productionMiddleware({
        auditLog,
        cache: new InMemorySemanticCache({}),
        limiter: new InMemoryRateLimiter({
          limits: [
            {
              name: 'rpm',
              scope: 'user',
              algorithm: 'fixed-window',
              anchor: 'first-hit',
              limit: 3,
              windowMs: 60_000,
            },
          ],
        }),
      }),
    });
    const identity = { tenantId: 't', userId: 'u', runId: 'r' };
    const generate = (prompt: string) =>
      withRunIdentity(identity, () => generateText({ model: wrapped, prompt, maxRetries: 0 }));
    expect((await generate('one')).text).toBe('generated');
    const hit = await generate('one');
    expect(tristackMetadataOf(hit.providerMetadata).cached?.kind).toBe('exact');
    const streamedText = await withRunIdentity(
      identity,
      () => streamText({ model: wrapped, prompt: 'two', maxRetries: 0 }).text,
    );
    expect(streamedText).toBe('streamed answer');
    expect((await generate('three')).text).toBe('generated');
    const denied = await generate('four');
    expect(tristackMetadataOf(denied.providerMetadata).rateLimited?.rule).toBe('rpm');
    expect(model.doGenerateCalls).toHaveLength(2);
    expect(model.doStreamCalls).toHaveLength(1);
    const { events } = await auditLog.query({ tenantId: 't' });
    expect(events.length).toBeGreaterThan(0);
    expect(events.some((event) => 'traceId' in event.data || 'spanId' in event.data)).toBe(false);
  });
});
