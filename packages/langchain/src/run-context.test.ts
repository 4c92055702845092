import { AIMessage, HumanMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import { InMemoryConversationMemory } from '@tristack/core';
import { createAgent } from 'langchain';
import { describe, expect, it } from 'vitest';
import { memoryMiddleware } from './middleware/memory-middleware.js';
import { defaultRunIdentity, identityFromConfigurable } from './run-context.js';

describe('run identity', () => {
  const source = {
    context: { tenantId: 'acme', runId: 'r1' },
    configurable: { tenantId: 'globex', userId: 'mallory', thread_id: 'th-1', run_id: 'r2' },
  };

  it('reads tenant and user from the trusted context only, never from client-settable configurable', () => {
    expect(defaultRunIdentity(source)).toEqual({ tenantId: 'acme', conversationId: 'th-1', runId: 'r1' });
    expect(defaultRunIdentity({ configurable: { tenantId: 'globex', userId: 'mallory' } })).toEqual({});
    expect(defaultRunIdentity({ context: { userId: 'alice', conversationId: 'c1' } })).toEqual({
      userId: 'alice',
      conversationId: 'c1',
    });
  });

  it('reads configurable only when opted in, the context still winning', () => {
    expect(identityFromConfigurable(source)).toEqual({
      tenantId: 'acme',
      userId: 'mallory',
      conversationId: 'th-1',
      runId: 'r1',
    });
  });

  it("a thread id alone never reaches another user's memory: memory needs the user from the context", async () => {
    const memory = new InMemoryConversationMemory();
    const agentWith = (model: ReturnType<typeof fakeModel>) =>
      createAgent({ model, middleware: [memoryMiddleware({ memory })] });
    await agentWith(fakeModel().respond(new AIMessage('noted'))).invoke(
      { messages: [new HumanMessage('My PIN is 4321.')] },
      { context: { userId: 'alice' }, configurable: { thread_id: 'shared-thread' } },
    );
    const seen = fakeModel().respond(
      (messages) => new AIMessage(messages.map((message) => message.text).join(' | ')),
    );
    // Same thread id, the user claimed through configurable: no identity, so no memory is read.
    const stolen = await agentWith(seen).invoke(
      { messages: [new HumanMessage('What is my PIN?')] },
      { configurable: { thread_id: 'shared-thread', userId: 'alice' } },
    );
    expect(stolen.messages.at(-1)!.text).toBe('What is my PIN?');
    expect(
      await memory.read({ userId: 'alice', conversationId: 'shared-thread' }).then((read) => read.length),
    ).toBe(2);
  });
});
