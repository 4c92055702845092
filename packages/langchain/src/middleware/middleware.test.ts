import { AIMessage, HumanMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import { createAgent, tool } from 'langchain';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { driverTable } from '../drivers.fixture.js';
import { tristackMetadata } from '../cache-request.js';
import { auditMiddleware } from './audit-middleware.js';
import { fallbackMiddleware } from './fallback-middleware.js';
import { memoryMiddleware } from './memory-middleware.js';
import { productionMiddleware } from './production-middleware.js';
import { rateLimitMiddleware } from './rate-limit-middleware.js';
import { responseCacheMiddleware } from './response-cache-middleware.js';
import { structuredOutputRepair, StructuredOutputRepairError } from './structured-output-repair.js';

const status = (code: number) => Object.assign(new Error(`provider answered ${code}`), { status: code });
const ask = (text: string) => ({ messages: [new HumanMessage(text)] });
const lastText = (result: { messages: { text: string }[] }) => result.messages.at(-1)!.text;
const weather = tool(async ({ city }: { city: string }) => `sunny in ${city}`, {
  name: 'weather',
  description: 'weather of a city',
  schema: z.object({ city: z.string() }),
});

const table = driverTable();

describe.each(['memory', 'redis'] as const)('createAgent middleware with %s drivers', (kind) => {
  const drivers = () => table[kind]();

  it('falls back to the next model after a scripted 429, keeping tools bound', async () => {
    const primary = fakeModel().respond(status(429)).respond(status(429));
    const secondary = fakeModel()
      .respondWithTools([{ name: 'weather', args: { city: 'Oslo' } }])
      .respond(new AIMessage('done'));
    const agent = createAgent({
      model: primary,
      tools: [weather],
      middleware: [fallbackMiddleware({ models: [secondary], breaker: drivers().breaker() })],
    });
    const result = await agent.invoke(ask('weather in Oslo?'));
    expect(lastText(result)).toBe('done');
    expect(result.messages.some((message) => message.text === 'sunny in Oslo')).toBe(true);
    expect(primary.callCount).toBe(2);
    expect(secondary.callCount).toBe(2);
  });

  it('skips a model whose breaker is open without calling it', async () => {
    const breaker = drivers().breaker({ consecutiveFailures: 1, failureRateThreshold: null, openMs: 60_000 });
    const primary = fakeModel().respond(new AIMessage('primary'));
    const secondary = fakeModel().respond(new AIMessage('secondary'));
    const breakerName = (model: unknown) => (model === primary ? 'model:primary' : 'model:secondary');
    await breaker.execute('model:primary', () => Promise.reject(status(503))).catch(() => {});
    const agent = createAgent({
      model: primary,
      middleware: [fallbackMiddleware({ models: [secondary], breaker, breakerName })],
    });
    const result = await agent.invoke(ask('hi'));
    expect(lastText(result)).toBe('secondary');
    expect(tristackMetadata(result.messages.at(-1)!).fallback?.reason).toBe('circuit-open');
    expect(primary.callCount).toBe(0);
    await breaker.close();
  });

  it('does not fall back on a 400 (the request is wrong, not the provider)', async () => {
    const secondary = fakeModel().respond(new AIMessage('secondary'));
    const agent = createAgent({
      model: fakeModel().respond(status(400)),
      middleware: [fallbackMiddleware({ models: [secondary] })],
    });
    await expect(agent.invoke(ask('hi'))).rejects.toThrow(/400/);
    expect(secondary.callCount).toBe(0);
  });

  it('caches on the full request: hit when identical, miss for another tenant or tool set', async () => {
    const cache = await drivers().cache();
    const model = fakeModel()
      .respond(new AIMessage('Paris'))
      .respond(new AIMessage('Paris (t2)'))
      .respond(new AIMessage('Paris (tools)'));
    const middleware = [responseCacheMiddleware({ cache })];
    const agent = createAgent({ model, middleware });
    const user = { tenantId: 't1', userId: 'u1' };
    const first = await agent.invoke(ask('What is the capital of France?'), { context: user });
    const second = await agent.invoke(ask('What is the capital of France?'), { context: user });
    expect(lastText(first)).toBe('Paris');
    expect(lastText(second)).toBe('Paris');
    expect(tristackMetadata(second.messages.at(-1)!).cached?.kind).toBe('exact');
    expect(model.callCount).toBe(1);
    const otherTenant = await agent.invoke(ask('What is the capital of France?'), {
      context: { tenantId: 't2', userId: 'u1' },
    });
    expect(lastText(otherTenant)).toBe('Paris (t2)');
    const withTools = createAgent({ model, tools: [weather], middleware });
    const toolResult = await withTools.invoke(ask('What is the capital of France?'), { context: user });
    expect(lastText(toolResult)).toBe('Paris (tools)');
    expect(model.callCount).toBe(3);
  });

  it('answers a paraphrase from the semantic tier', async ({ skip }) => {
    const cache = await drivers().cache({ similarityThreshold: 0.6 });
    if (!cache.semanticTier.available) skip(`semantic tier unavailable here: ${cache.semanticTier.reason}`);
    const model = fakeModel().respond(new AIMessage('Paris')).respond(new AIMessage('uncached'));
    const agent = createAgent({ model, middleware: [responseCacheMiddleware({ cache })] });
    const context = { userId: 'u1' };
    await agent.invoke(ask('What is the capital city of France?'), { context });
    const paraphrase = await agent.invoke(ask('what is the capital city of france'), { context });
    expect(lastText(paraphrase)).toBe('Paris');
    expect(tristackMetadata(paraphrase.messages.at(-1)!).cached?.kind).toBe('semantic');
    expect(model.callCount).toBe(1);
  });

  it('ends the turn with a clear message when the limiter denies, without calling the model', async () => {
    const limiter = drivers().limiter({
      limits: [{ name: 'rpm', algorithm: 'fixed-window', anchor: 'first-hit', limit: 1, windowMs: 60_000 }],
    });
    const model = fakeModel().respond(new AIMessage('first')).respond(new AIMessage('second'));
    const agent = createAgent({ model, middleware: [rateLimitMiddleware({ limiter })] });
    expect(lastText(await agent.invoke(ask('one'), { context: { tenantId: 'acme' } }))).toBe('first');
    const denied = await agent.invoke(ask('two'), { context: { tenantId: 'acme' } });
    expect(lastText(denied)).toMatch(/Rate limit reached \(rpm\)/);
    expect(model.callCount).toBe(1);
    // Another tenant has its own budget.
    expect(lastText(await agent.invoke(ask('three'), { context: { tenantId: 'other' } }))).toBe('second');
  });

  it('repairs scripted bad JSON with the parse error, then gives up with a typed error', async () => {
    const schema = z.object({ city: z.string(), population: z.number() });
    const model = fakeModel()
      .respond(new AIMessage('Sure! Paris has 2 million people.'))
      .respond(new AIMessage('{"city":"Paris"}'))
      .respond(new AIMessage('```json\n{"city":"Paris","population":2100000}\n```'));
    const agent = createAgent({ model, middleware: [structuredOutputRepair({ schema, maxRepairs: 2 })] });
    const result = await agent.invoke(ask('Paris facts as JSON'));
    expect((result as { structuredResponse?: unknown }).structuredResponse).toEqual({
      city: 'Paris',
      population: 2_100_000,
    });
    expect(model.calls[1]!.messages.at(-1)!.text).toMatch(/not valid JSON/);
    expect(model.calls[2]!.messages.at(-1)!.text).toMatch(/population/);

    const stubborn = fakeModel().respond(new AIMessage('no')).respond(new AIMessage('still no'));
    const failing = createAgent({
      model: stubborn,
      middleware: [structuredOutputRepair({ schema, maxRepairs: 1 })],
    });
    const error = await failing.invoke(ask('x')).catch((caught: unknown) => caught);
    expect((error as Error).cause).toBeInstanceOf(StructuredOutputRepairError);
  });

  it('remembers across agents (workers) without a checkpointer', async () => {
    const set = drivers();
    const context = { tenantId: 't', userId: 'u1', conversationId: 'c1' };
    const firstWorker = createAgent({
      model: fakeModel().respond(new AIMessage('Nice to meet you, Ada.')),
      middleware: [memoryMiddleware({ memory: set.memory() })],
    });
    await firstWorker.invoke(ask('My name is Ada.'), { context });
    const secondModel = fakeModel().respond(
      (messages) => new AIMessage(`seen: ${messages.map((m) => m.text).join(' | ')}`),
    );
    const secondWorker = createAgent({
      model: secondModel,
      middleware: [memoryMiddleware({ memory: set.memory() })],
    });
    const result = await secondWorker.invoke(ask('What is my name?'), { context });
    expect(lastText(result)).toBe('seen: My name is Ada. | Nice to meet you, Ada. | What is my name?');
    const stored = await set.memory().read({ tenantId: 't', userId: 'u1', conversationId: 'c1' });
    expect(stored.map((message) => message.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
  });

  it('records the audit trail of a full turn: model calls, tool call requested and executed', async () => {
    const auditLog = drivers().auditLog();
    const model = fakeModel()
      .respondWithTools([{ name: 'weather', args: { city: 'Rome' }, id: 'call-1' }])
      .respond(new AIMessage('sunny'));
    const agent = createAgent({ model, tools: [weather], middleware: [auditMiddleware({ auditLog })] });
    await agent.invoke(ask('weather in Rome?'), {
      context: { tenantId: 'audit-t', userId: 'u' },
      configurable: { thread_id: 'th-1' },
    });
    const { events } = await auditLog.query({ tenantId: 'audit-t' });
    expect(events.map((event) => event.type)).toEqual([
      'model.call.finished',
      'tool.call.requested',
      'tool.call.executed',
      'model.call.finished',
    ]);
    expect(events[0]!.data).toMatchObject({ model: 'fake-model-builder', cached: false, toolCallCount: 1 });
    expect(events[1]!.data).toMatchObject({
      tool: 'weather',
      toolCallId: 'call-1',
      arguments: { city: 'Rome' },
    });
    expect(events[2]!.data).toMatchObject({ tool: 'weather', outcome: 'success' });
    expect(events.every((event) => event.userId === 'u' && event.conversationId === 'th-1')).toBe(true);
    expect((await auditLog.verify('audit-t')).valid).toBe(true);
  });

  it('productionMiddleware composes: a cache hit skips limiter and model; audit says cached', async () => {
    const set = drivers();
    const auditLog = set.auditLog();
    const limiter = set.limiter({
      limits: [{ name: 'rpm', algorithm: 'fixed-window', anchor: 'first-hit', limit: 1, windowMs: 60_000 }],
    });
    const primary = fakeModel().respond(status(503)).respond(status(503)).respond(status(503));
    const backup = fakeModel().respond(new AIMessage('from backup'));
    const agent = createAgent({
      model: primary,
      middleware: productionMiddleware({
        auditLog,
        cache: await set.cache(),
        limiter,
        breaker: set.breaker(),
        fallbacks: [backup],
        retry: { maxRetries: 1, initialDelayMs: 1, jitter: false },
      }),
    });
    const context = { tenantId: 'prod', userId: 'u1' };
    expect(lastText(await agent.invoke(ask('status?'), { context }))).toBe('from backup');
    expect(lastText(await agent.invoke(ask('status?'), { context }))).toBe('from backup');
    expect(backup.callCount).toBe(1);
    const { events } = await auditLog.query({ tenantId: 'prod' });
    expect(events.map((event) => [event.type, event.data.cached])).toEqual([
      ['model.call.finished', false],
      ['model.call.finished', true],
    ]);
    expect(events[0]!.data.fallback).toMatchObject({ to: 'fake-model-builder', reason: 'server-error' });
  });
});
