/**
 * Regression tests of issue 16 (identity isolation) for the response cache: answers never cross
 * users, and an answer computed from one user's tool results is never served to another.
 */
import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import { createAgent, tool } from 'langchain';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { tristackMetadata } from '../cache-request.js';
import { driverTable } from '../drivers.fixture.js';
import { defaultRunIdentity } from '../run-context.js';
import { responseCacheMiddleware } from './response-cache-middleware.js';

const ask = (text: string) => ({ messages: [new HumanMessage(text)] });
const lastText = (result: { messages: BaseMessage[] }) => result.messages.at(-1)!.text;

const INBOXES: Record<string, string> = {
  alice: 'From Jane Miller: your rent is due on Friday.',
  bob: 'From the dentist: appointment moved to Monday.',
};

/** A "list inbox" tool that reads the caller from the run's trusted context, as Arcade tools do. */
function inboxTool(calledFor: string[]) {
  return tool(
    async (_input, config) => {
      const { userId } = defaultRunIdentity(config as never);
      calledFor.push(userId ?? '(none)');
      return INBOXES[userId ?? ''] ?? 'no inbox';
    },
    { name: 'list_inbox', description: "lists the caller's inbox", schema: z.object({}) },
  );
}

/** A deterministic tool-calling model: asks for the inbox, then summarises what the tool returned. */
function inboxModel() {
  const summarise = (messages: BaseMessage[]) => {
    const result = messages.findLast((message) => ToolMessage.isInstance(message));
    return new AIMessage(`Your inbox: ${result?.text ?? '(nothing)'}`);
  };
  return fakeModel()
    .respondWithTools([{ name: 'list_inbox', args: {}, id: 'call-alice' }])
    .respond(summarise)
    .respondWithTools([{ name: 'list_inbox', args: {}, id: 'call-bob' }])
    .respond(summarise);
}

const table = driverTable();

describe.each(['memory', 'redis'] as const)('response cache isolation with %s drivers', (kind) => {
  const drivers = () => table[kind]();

  it.each([
    ['per-user scope (default)', {}],
    ['even with shareAcrossUsers', { shareAcrossUsers: true }],
  ] as const)(
    "inbox, includeHistoryInScope off, %s: bob's tool runs for bob and bob never sees alice's summary",
    async (_label, scope) => {
      const cache = await drivers().cache({ includeHistoryInScope: false, similarityThreshold: 0.5 });
      const calledFor: string[] = [];
      const model = inboxModel();
      const agent = createAgent({
        model,
        tools: [inboxTool(calledFor)],
        middleware: [responseCacheMiddleware({ cache, ...scope })],
      });
      const context = (userId: string) => ({ context: { tenantId: 'acme', userId } });
      const alice = await agent.invoke(ask("What's in my inbox?"), context('alice'));
      expect(lastText(alice)).toBe(`Your inbox: ${INBOXES.alice}`);
      const bob = await agent.invoke(ask("What's in my inbox?"), context('bob'));
      expect(lastText(bob)).toBe(`Your inbox: ${INBOXES.bob}`);
      expect(bob.messages.some((message) => message.text.includes('Jane Miller'))).toBe(false);
      expect(tristackMetadata(bob.messages.at(-1)!).cached).toBeUndefined();
      expect(calledFor).toEqual(['alice', 'bob']);
      expect(model.callCount).toBe(4);
      // The answer computed from tool results was never stored (history is out of scope).
      expect(await cache.stats({ tenant: 'acme' })).toMatchObject({ stores: 0 });
    },
  );

  it("with history in scope, a shared cache still keeps one user's tool-derived answer from another", async () => {
    const cache = await drivers().cache({ similarityThreshold: 0.5 });
    const calledFor: string[] = [];
    const model = inboxModel();
    const agent = createAgent({
      model,
      tools: [inboxTool(calledFor)],
      middleware: [responseCacheMiddleware({ cache, shareAcrossUsers: true })],
    });
    await agent.invoke(ask("What's in my inbox?"), { context: { tenantId: 'acme', userId: 'alice' } });
    const bob = await agent.invoke(ask("What's in my inbox?"), {
      context: { tenantId: 'acme', userId: 'bob' },
    });
    expect(lastText(bob)).toBe(`Your inbox: ${INBOXES.bob}`);
    expect(calledFor).toEqual(['alice', 'bob']);
  });

  it('two users of one tenant with near-identical personal questions: no cross-user hit', async ({
    skip,
  }) => {
    // The near-miss guard would refuse John for Jane on its own; off here, so only the user
    // scope keeps bob from alice's answer.
    const cache = await drivers().cache({ similarityThreshold: 0.8, guard: false });
    if (!cache.semanticTier.available) skip(`semantic tier unavailable here: ${cache.semanticTier.reason}`);
    const question = (name: string) =>
      ask(`My landlord ${name} wants the rent two weeks early. Can he do that?`);
    const model = fakeModel()
      .respond(new AIMessage('About John Miller: only if your lease allows it.'))
      .respond(new AIMessage('About Jane Miller: only if your lease allows it.'));
    const agent = createAgent({ model, middleware: [responseCacheMiddleware({ cache })] });
    await agent.invoke(question('John Miller'), { context: { tenantId: 'acme', userId: 'alice' } });
    // Alice's own near-identical question is a semantic hit: the threshold lets these two match…
    const aliceAgain = await agent.invoke(question('Jane Miller'), {
      context: { tenantId: 'acme', userId: 'alice' },
    });
    expect(tristackMetadata(aliceAgain.messages.at(-1)!).cached?.kind).toBe('semantic');
    // …and bob's is not: his answer is his own.
    const bob = await agent.invoke(question('Jane Miller'), { context: { tenantId: 'acme', userId: 'bob' } });
    expect(lastText(bob)).toBe('About Jane Miller: only if your lease allows it.');
    expect(model.callCount).toBe(2);
  });

  it('without a tenant in the context, users still do not share answers', async () => {
    const cache = await drivers().cache();
    const model = fakeModel()
      .respond(new AIMessage('Your balance is 1,200 EUR.'))
      .respond(new AIMessage('Your balance is 35 EUR.'));
    const agent = createAgent({ model, middleware: [responseCacheMiddleware({ cache })] });
    await agent.invoke(ask('What is my balance?'), { context: { userId: 'alice' } });
    const aliceAgain = await agent.invoke(ask('What is my balance?'), { context: { userId: 'alice' } });
    expect(tristackMetadata(aliceAgain.messages.at(-1)!).cached?.kind).toBe('exact');
    const bob = await agent.invoke(ask('What is my balance?'), { context: { userId: 'bob' } });
    expect(lastText(bob)).toBe('Your balance is 35 EUR.');
    expect(model.callCount).toBe(2);
  });

  it('shares tool-free answers across users only with shareAcrossUsers; caches nothing for a run without a user', async () => {
    const cache = await drivers().cache();
    const model = fakeModel()
      .respond(new AIMessage('We open at 9.'))
      .respond(new AIMessage('anonymous 1'))
      .respond(new AIMessage('anonymous 2'));
    const faq = createAgent({
      model,
      middleware: [responseCacheMiddleware({ cache, shareAcrossUsers: true })],
    });
    await faq.invoke(ask('When do you open?'), { context: { tenantId: 'acme', userId: 'alice' } });
    const bob = await faq.invoke(ask('When do you open?'), { context: { tenantId: 'acme', userId: 'bob' } });
    expect(lastText(bob)).toBe('We open at 9.');
    expect(tristackMetadata(bob.messages.at(-1)!).cached?.kind).toBe('exact');
    const personal = createAgent({ model, middleware: [responseCacheMiddleware({ cache })] });
    expect(lastText(await personal.invoke(ask('Who am I?'), { context: { tenantId: 'acme' } }))).toBe(
      'anonymous 1',
    );
    expect(lastText(await personal.invoke(ask('Who am I?'), { context: { tenantId: 'acme' } }))).toBe(
      'anonymous 2',
    );
    expect(model.callCount).toBe(3);
  });
});
