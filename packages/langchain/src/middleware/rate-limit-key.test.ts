/**
 * Regression tests of issue 16 (identity isolation) for `rateLimitMiddleware`'s default key: one
 * typed, encoded id per rule scope, from the trusted identity; never a bucket shared by callers.
 */
import { AIMessage, HumanMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import { compositeKey, InvalidOptionsError, type RateLimitKey, type RateLimiter } from '@tristack/core';
import { createAgent, tool } from 'langchain';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { driverTable } from '../drivers.fixture.js';
import { MissingRunIdentityError } from '../run-context.js';
import { rateLimitMiddleware } from './rate-limit-middleware.js';

const ask = (text: string) => ({ messages: [new HumanMessage(text)] });
const lastText = (result: { messages: { text: string }[] }) => result.messages.at(-1)!.text;
const oncePerMinute = (scope?: string) => ({
  name: `one-${scope ?? 'default'}`,
  ...(scope ? { scope } : {}),
  algorithm: 'fixed-window' as const,
  anchor: 'first-hit' as const,
  limit: 1,
  windowMs: 60_000,
});
const answers = (count: number) => {
  let model = fakeModel();
  for (let index = 1; index <= count; index++) model = model.respond(new AIMessage(`answer ${index}`));
  return model;
};

/** The limiter, recording every key it is charged with. */
function recording(limiter: RateLimiter): { limiter: RateLimiter; keys: RateLimitKey[] } {
  const keys: RateLimitKey[] = [];
  const proxy = new Proxy(limiter, {
    get(target, property, receiver) {
      if (property === 'limit')
        return (key: RateLimitKey, options?: Parameters<RateLimiter['limit']>[1]) => {
          keys.push(key);
          return target.limit(key, options);
        };
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { limiter: proxy, keys };
}

const table = driverTable();

describe.each(['memory', 'redis'] as const)('rateLimitMiddleware default key with %s drivers', (kind) => {
  const drivers = () => table[kind]();

  it("a tenant-less user named 'acme' never spends tenant acme's budget", async () => {
    const limiter = drivers().limiter({ limits: [oncePerMinute()] });
    const agent = createAgent({ model: answers(3), middleware: [rateLimitMiddleware({ limiter })] });
    expect(lastText(await agent.invoke(ask('one'), { context: { tenantId: 'acme' } }))).toBe('answer 1');
    expect(lastText(await agent.invoke(ask('two'), { context: { userId: 'acme' } }))).toBe('answer 2');
    expect(lastText(await agent.invoke(ask('three'), { context: { tenantId: 'acme' } }))).toMatch(
      /Rate limit reached/,
    );
  });

  it('keys user rules by tenant and user, encoded: no hand-joined ids meet on one counter', async () => {
    const { limiter, keys } = recording(drivers().limiter({ limits: [oncePerMinute('user')] }));
    const agent = createAgent({ model: answers(4), middleware: [rateLimitMiddleware({ limiter })] });
    const callers = [
      { tenantId: 'acme', userId: 'x' },
      { tenantId: 'acme:x', userId: 'y' },
      { tenantId: 'acme', userId: 'x:y' },
      { userId: 'tenant=acme:user=x' },
    ];
    for (const [index, context] of callers.entries())
      expect(lastText(await agent.invoke(ask('hi'), { context }))).toBe(`answer ${index + 1}`);
    expect(keys).toEqual([
      { user: 'tenant=acme:user=x' },
      { user: 'tenant=acme%3Ax:user=y' },
      { user: 'tenant=acme:user=x%3Ay' },
      { user: 'user=tenant%3Dacme%3Auser%3Dx' },
    ]);
    // The same user of another tenant has their own budget; the same caller again does not.
    expect(lastText(await agent.invoke(ask('hi'), { context: { tenantId: 'acme', userId: 'x' } }))).toMatch(
      /Rate limit reached/,
    );
  });

  it('keys tenant rules by tenant=<t> and tool calls by each scope plus the tool', async () => {
    const { limiter, keys } = recording(
      drivers().limiter({
        limits: [
          { ...oncePerMinute('tenant'), limit: 10 },
          { ...oncePerMinute('user'), limit: 10 },
        ],
      }),
    );
    const lookup = tool(async () => 'found', { name: 'look:up', description: 'd', schema: z.object({}) });
    const model = fakeModel()
      .respondWithTools([{ name: 'look:up', args: {}, id: 'c1' }])
      .respond(new AIMessage('done'));
    const agent = createAgent({
      model,
      tools: [lookup],
      middleware: [rateLimitMiddleware({ limiter, tools: true })],
    });
    await agent.invoke(ask('go'), { context: { tenantId: 'acme', userId: 'bob' } });
    expect(keys).toEqual([
      { tenant: 'tenant=acme', user: 'tenant=acme:user=bob' },
      { tenant: 'tenant=acme:tool=look%3Aup', user: 'tenant=acme:user=bob:tool=look%3Aup' },
      { tenant: 'tenant=acme', user: 'tenant=acme:user=bob' },
    ]);
  });

  it("a tenant named like another tenant's tool key or a digest never spends that budget", async () => {
    const { limiter, keys } = recording(
      drivers().limiter({ limits: [{ ...oncePerMinute('tenant'), limit: 2 }] }),
    );
    const search = tool(async () => 'found', { name: 'search', description: 'd', schema: z.object({}) });
    // A tenant id long enough that its tool-call key is replaced by a digest.
    const longTenant = '山'.repeat(200);
    const digestOfLongToolKey = compositeKey([
      ['tenant', longTenant],
      ['tool', 'search'],
    ]);
    expect(digestOfLongToolKey).toMatch(/^sha256=[0-9a-f]{64}$/);
    for (const [attacker, victim] of [
      ['tenant=acme:tool=search', 'acme'],
      [digestOfLongToolKey, longTenant],
    ] as const) {
      // The attacker spends its whole budget on model calls...
      const attackerAgent = createAgent({
        model: answers(3),
        middleware: [rateLimitMiddleware({ limiter, tools: true })],
      });
      for (const text of ['answer 1', 'answer 2'])
        expect(lastText(await attackerAgent.invoke(ask('hi'), { context: { tenantId: attacker } }))).toBe(
          text,
        );
      // ...and the victim's tool call still runs on its own counter.
      const model = fakeModel()
        .respondWithTools([{ name: 'search', args: {}, id: 'c1' }])
        .respond(new AIMessage('done'));
      const victimAgent = createAgent({
        model,
        tools: [search],
        middleware: [rateLimitMiddleware({ limiter, tools: true })],
      });
      const result = await victimAgent.invoke(ask('go'), { context: { tenantId: victim } });
      expect(result.messages.find((message) => message.getType() === 'tool')?.text).toBe('found');
    }
    // Every key is a typed composite (or the digest of one): never a bare id.
    for (const key of keys) expect((key as { tenant: string }).tenant).toMatch(/^(tenant=|sha256=)/);
    expect(keys[0]).toEqual({ tenant: 'tenant=tenant%3Dacme%3Atool%3Dsearch' });
    expect(keys).toContainEqual({ tenant: `tenant=${digestOfLongToolKey.replace('=', '%3D')}` });
  });

  it('keys provider rules by provider=<p>, and tool calls with a custom key by tool=<name>', async () => {
    const { limiter, keys } = recording(
      drivers().limiter({
        limits: [
          { ...oncePerMinute('provider'), limit: 10 },
          { ...oncePerMinute('tool'), limit: 10 },
        ],
      }),
    );
    const lookup = tool(async () => 'found', { name: 'look:up', description: 'd', schema: z.object({}) });
    const model = () =>
      fakeModel()
        .respondWithTools([{ name: 'look:up', args: {}, id: 'c1' }])
        .respond(new AIMessage('done'));
    const context = { context: { tenantId: 'acme', userId: 'bob' } };
    const onlyProvider = recording(
      drivers().limiter({ limits: [{ ...oncePerMinute('provider'), limit: 10 }] }),
    );
    await createAgent({
      model: model(),
      tools: [lookup],
      middleware: [rateLimitMiddleware({ limiter: onlyProvider.limiter, provider: 'openai', tools: true })],
    }).invoke(ask('go'), context);
    expect(onlyProvider.keys).toEqual([
      { provider: 'provider=openai' },
      { provider: 'provider=openai:tool=look%3Aup' },
      { provider: 'provider=openai' },
    ]);
    await createAgent({
      model: model(),
      tools: [lookup],
      middleware: [
        rateLimitMiddleware({ limiter, tools: true, key: () => ({ provider: 'provider=openai' }) }),
      ],
    }).invoke(ask('go'), context);
    expect(keys[1]).toEqual({ provider: 'provider=openai', tool: 'tool=look%3Aup' });
  });

  it('a run without the id a rule needs gets a typed error, not a shared bucket; the model is not called', async () => {
    const limiter = drivers().limiter({ limits: [oncePerMinute('user')] });
    const model = answers(1);
    const agent = createAgent({ model, middleware: [rateLimitMiddleware({ limiter })] });
    // configurable is client-settable on hosted deployments: it never names the user by default.
    const error = await agent
      .invoke(ask('hi'), { context: { tenantId: 'acme' }, configurable: { userId: 'bob' } })
      .catch((caught: unknown) => (caught as Error).cause);
    // createAgent wraps middleware errors; the typed error is the cause.
    expect(error).toBeInstanceOf(MissingRunIdentityError);
    expect((error as MissingRunIdentityError).missing).toBe('userId');
    expect(model.callCount).toBe(0);
  });

  it('fails at construction for a scope the default key cannot fill, naming it', () => {
    for (const scope of ['provider', 'region']) {
      const limiter = drivers().limiter({ limits: [oncePerMinute(scope)] });
      expect(() => rateLimitMiddleware({ limiter })).toThrow(InvalidOptionsError);
      expect(() => rateLimitMiddleware({ limiter })).toThrow(new RegExp(`scope '${scope}'`));
      // A key function takes over: nothing to derive, nothing to check.
      expect(() => rateLimitMiddleware({ limiter, key: () => ({ [scope]: 'x' }) })).not.toThrow();
    }
    const provider = drivers().limiter({ limits: [oncePerMinute('provider')] });
    expect(() => rateLimitMiddleware({ limiter: provider, provider: 'openai' })).not.toThrow();
  });
});
