import { AIMessage, HumanMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import { createAgent } from 'langchain';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  InMemoryAuditLog,
  InMemoryCircuitBreaker,
  InMemoryConversationMemory,
  unwrapTristackError,
} from '@tristack/core';
import { MissingRunIdentityError } from '../run-context.js';
import { productionMiddleware } from './production-middleware.js';

const ask = (text: string) => ({ messages: [new HumanMessage(text)] });
const reject = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );

describe('productionMiddleware requireIdentity', () => {
  afterEach(() => vi.restoreAllMocks());

  it('throws MissingRunIdentityError for a run without context.userId, before model and audit', async () => {
    const auditLog = new InMemoryAuditLog();
    const model = fakeModel().respond(new AIMessage('never'));
    const agent = createAgent({
      model,
      middleware: productionMiddleware({ auditLog, memory: new InMemoryConversationMemory() }),
    });

    // A typo in the key is a missing user, too.
    const error = await reject(agent.invoke(ask('hi'), { context: { tenantId: 'acme', userID: 'bob' } }));

    const unwrapped = unwrapTristackError(error);
    expect(MissingRunIdentityError.isInstance(unwrapped)).toBe(true);
    expect((unwrapped as MissingRunIdentityError).missing).toBe('userId');
    expect(unwrapped?.code).toBe('IDENTITY_REQUIRED');
    expect(model.callCount).toBe(0);
    expect((await auditLog.query({ tenantId: 'acme' })).events).toEqual([]);
  });

  it('runs a run with a user and remembers it', async () => {
    const memory = new InMemoryConversationMemory();
    const agent = createAgent({
      model: fakeModel().respond(new AIMessage('hello')),
      middleware: productionMiddleware({ memory }),
    });
    const context = { tenantId: 'acme', userId: 'bob', conversationId: 'c1' };
    await agent.invoke(ask('hi'), { context });
    expect((await memory.read(context)).map((message) => message.content)).toEqual(['hi', 'hello']);
  });

  it('with requireIdentity: false runs without a user and warns once', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const agent = createAgent({
      model: fakeModel().respond(new AIMessage('one')).respond(new AIMessage('two')),
      middleware: productionMiddleware({ memory: new InMemoryConversationMemory(), requireIdentity: false }),
    });
    await agent.invoke(ask('a'), { context: { tenantId: 'acme' } });
    await agent.invoke(ask('b'), { context: { tenantId: 'acme' } });
    const messages = warn.mock.calls.map((call) => String(call[0]));
    expect(messages.filter((message) => message.includes('without context.userId'))).toHaveLength(1);
  });

  it('needs no identity when only the breaker is given (nothing is kept per user)', async () => {
    const breaker = new InMemoryCircuitBreaker();
    const agent = createAgent({
      model: fakeModel().respond(new AIMessage('fine')),
      middleware: productionMiddleware({ breaker }),
    });
    const result = await agent.invoke(ask('hi'));
    expect(result.messages.at(-1)?.content).toBe('fine');
    await breaker.close();
  });
});
