import { AIMessage, HumanMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import { MessagesAnnotation, START, StateGraph } from '@langchain/langgraph';
import { createAgent, tool } from 'langchain';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { tristackMetadata } from '../cache-request.js';
import { driverTable } from '../drivers.fixture.js';
import { AuditCallbackHandler } from '../middleware/audit-callback-handler.js';
import { RateLimitedError } from '../middleware/rate-limit-middleware.js';
import { MissingRunIdentityError } from '../run-context.js';
import { withTristack, type TristackChatModel } from './with-tristack.js';

const table = driverTable();
const status = (code: number) => Object.assign(new Error(`provider answered ${code}`), { status: code });

describe.each(['memory', 'redis'] as const)('withTristack with %s drivers', (kind) => {
  it('falls back on 429 with tools bound, caches, replays a hit as a stream, and audits through the callback handler', async () => {
    const drivers = table[kind]();
    const auditLog = drivers.auditLog();
    const primary = fakeModel().respond(status(429));
    const backup = fakeModel().respond(new AIMessage('forty two'));
    const model = withTristack(primary, {
      fallbacks: [backup],
      cache: await drivers.cache(),
      breaker: drivers.breaker(),
      // A bare model outside any graph: the identity is given, not read from a run context.
      identity: () => ({ tenantId: 'bare', userId: 'u1' }),
    });
    const bound = model.bindTools([
      tool(async () => 'x', { name: 'lookup', description: 'd', schema: z.object({}) }),
    ]);
    const callbacks = [new AuditCallbackHandler({ auditLog, identity: { tenantId: 'bare' } })];
    const first = await bound.invoke([new HumanMessage('the answer?')], { callbacks });
    expect(first.text).toBe('forty two');
    expect(tristackMetadata(first).fallback?.reason).toBe('rate-limited');
    const chunks: string[] = [];
    for await (const chunk of await bound.stream([new HumanMessage('the answer?')], { callbacks }))
      chunks.push(chunk.text);
    expect(chunks).toEqual(['forty ', 'two']);
    expect(backup.callCount).toBe(1);
    // Tools reached the fallback model too.
    const wrapped = (bound as unknown as { wrapped: { models: { bound: { _tools: unknown[] } }[] } }).wrapped;
    expect(wrapped.models.map((each) => each.bound._tools.length)).toEqual([1, 1]);
    const { events } = await auditLog.query({ tenantId: 'bare' });
    expect(events.map((event) => event.type)).toEqual([
      'model.call.started',
      'model.call.finished',
      'model.call.started',
      'model.call.finished',
    ]);
  });
});

/** A plain LangGraph graph whose node calls the model without passing its config along. */
function graphOf(model: TristackChatModel) {
  return new StateGraph(MessagesAnnotation)
    .addNode('model', async (state) => ({ messages: [await model.invoke(state.messages)] }))
    .addEdge(START, 'model')
    .compile();
}

describe.each(['memory', 'redis'] as const)('withTristack identity with %s drivers', (kind) => {
  const ask = (text: string) => ({ messages: [new HumanMessage(text)] });

  it("reads the run's tenant from the graph context: acme and globex share no cached answer and no limiter budget", async () => {
    const drivers = table[kind]();
    const inner = fakeModel()
      .respond(new AIMessage('acme: 12 open tickets'))
      .respond(new AIMessage('globex: 3 open tickets'));
    const model = withTristack(inner, {
      cache: await drivers.cache(),
      // Tenant-wide answers on purpose: isolation between tenants is what is tested here.
      shareAcrossUsers: true,
      limiter: drivers.limiter({
        limits: [
          {
            name: 'per-tenant',
            scope: 'tenant',
            algorithm: 'fixed-window',
            anchor: 'first-hit',
            limit: 1,
            windowMs: 60_000,
          },
        ],
      }),
    });
    const graph = graphOf(model);
    const acme = await graph.invoke(ask('How many open tickets?'), { context: { tenantId: 'acme' } });
    expect(acme.messages.at(-1)!.text).toBe('acme: 12 open tickets');
    const globex = await graph.invoke(ask('How many open tickets?'), { context: { tenantId: 'globex' } });
    expect(globex.messages.at(-1)!.text).toBe('globex: 3 open tickets');
    expect(inner.callCount).toBe(2);
    // acme's budget is spent (its repeat is a cache hit, which costs nothing); a new acme question is limited.
    const acmeAgain = await graph.invoke(ask('How many open tickets?'), { context: { tenantId: 'acme' } });
    expect(tristackMetadata(acmeAgain.messages.at(-1)!).cached?.kind).toBe('exact');
    await expect(
      graph.invoke(ask('Anything urgent?'), { context: { tenantId: 'acme' } }),
    ).rejects.toBeInstanceOf(RateLimitedError);
  });

  it('reads the identity createAgent passes the model call, and keeps users apart by default', async () => {
    const drivers = table[kind]();
    const inner = fakeModel().respond(new AIMessage('for alice')).respond(new AIMessage('for bob'));
    const agent = createAgent({ model: withTristack(inner, { cache: await drivers.cache() }) });
    const run = (userId: string) =>
      agent.invoke(ask('Summarise my week'), { context: { tenantId: 'acme', userId } });
    expect((await run('alice')).messages.at(-1)!.text).toBe('for alice');
    expect((await run('bob')).messages.at(-1)!.text).toBe('for bob');
    expect((await run('alice')).messages.at(-1)!.text).toBe('for alice');
    expect(inner.callCount).toBe(2);
  });

  it('without a known identity: nothing is cached and no limiter bucket is shared (typed error)', async () => {
    const drivers = table[kind]();
    const inner = fakeModel().respond(new AIMessage('one')).respond(new AIMessage('two'));
    const cached = withTristack(inner, { cache: await drivers.cache() });
    // configurable is client-settable on hosted deployments: it never names the user by default.
    const config = { configurable: { thread_id: 't1', userId: 'alice', tenantId: 'acme' } };
    expect((await graphOf(cached).invoke(ask('hi'), config)).messages.at(-1)!.text).toBe('one');
    expect((await graphOf(cached).invoke(ask('hi'), config)).messages.at(-1)!.text).toBe('two');
    const limited = withTristack(fakeModel().respond(new AIMessage('never')), {
      limiter: drivers.limiter({
        limits: [
          {
            name: 'per-user',
            scope: 'user',
            algorithm: 'fixed-window',
            anchor: 'first-hit',
            limit: 5,
            windowMs: 60_000,
          },
        ],
      }),
    });
    const error = await graphOf(limited)
      .invoke(ask('hi'), config)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MissingRunIdentityError);
    expect((error as MissingRunIdentityError).code).toBe('IDENTITY_REQUIRED');
  });
});
