import {
  Agent,
  Runner,
  Usage,
  type AgentInputItem,
  type Model,
  type ModelRequest,
} from '@openai/agents-core';
import { describe, expect, it } from 'vitest';
import { InMemoryConversationMemory, InvalidOptionsError, type ConversationMemory } from '@tristack/core';
import { RedisConversationMemory } from '@tristack/redis';
import { useRedis } from '@tristack/testing/redis';
import { ConversationMemorySession } from './conversation-memory-session.js';

/** A model that answers `reply(n)` to its n-th request and records each request's input. */
function scriptedModel(reply: (call: number) => string) {
  const inputs: AgentInputItem[][] = [];
  const model: Model = {
    async getResponse(request: ModelRequest) {
      inputs.push(
        typeof request.input === 'string' ? [{ role: 'user', content: request.input }] : request.input,
      );
      return {
        usage: new Usage({ requests: 1, inputTokens: 10, outputTokens: 5, totalTokens: 15 }),
        output: [
          {
            type: 'message',
            role: 'assistant',
            status: 'completed',
            content: [{ type: 'output_text', text: reply(inputs.length) }],
          },
        ],
      };
    },
    getStreamedResponse() {
      throw new Error('not streamed in this test');
    },
  };
  return { model, inputs };
}

const text = (item: AgentInputItem) => {
  const content = (item as { content?: unknown }).content;
  return typeof content === 'string'
    ? content
    : (content as { text?: string }[]).map((part) => part.text ?? '').join('');
};

const redis = useRedis();
const memories: Record<string, () => ConversationMemory> = {
  memory: () => new InMemoryConversationMemory(),
  redis: () => new RedisConversationMemory({ client: redis.client, prefix: redis.prefix }),
};

describe.each(['memory', 'redis'])('ConversationMemorySession on %s memory', (kind) => {
  it('gives an agent run the history of earlier runs of the same user and conversation', async () => {
    const memory = memories[kind]!();
    const { model, inputs } = scriptedModel((call) =>
      call === 1 ? 'Nice to meet you, Ada.' : 'You are Ada.',
    );
    const agent = new Agent({ name: 'assistant', instructions: 'Be brief.', model });
    const runner = new Runner();
    const session = () =>
      new ConversationMemorySession({ memory, address: { userId: 'ada', conversationId: 'c-1' } });
    await runner.run(agent, 'My name is Ada.', { session: session() });
    // Another process would build its own session object on the same Redis memory.
    const second = await runner.run(agent, 'What is my name?', { session: session() });
    expect(second.finalOutput).toBe('You are Ada.');
    expect(inputs[1]!.map(text)).toEqual(['My name is Ada.', 'Nice to meet you, Ada.', 'What is my name?']);
    const other = new ConversationMemorySession({
      memory,
      address: { userId: 'eve', conversationId: 'c-1' },
    });
    expect(await other.getItems()).toEqual([]);
  });

  it('returns items whole, the last `limit` of them; pops the last one; clears', async () => {
    const memory = memories[kind]!();
    const session = new ConversationMemorySession({
      memory,
      address: { tenantId: 't', userId: 'u', conversationId: 'c' },
    });
    expect(await session.getSessionId()).toBe('c');
    const call: AgentInputItem = {
      type: 'function_call',
      callId: 'call-1',
      name: 'weather',
      arguments: '{"city":"Oslo"}',
      status: 'completed',
    };
    const result: AgentInputItem = {
      type: 'function_call_result',
      callId: 'call-1',
      name: 'weather',
      status: 'completed',
      output: { type: 'text', text: 'sunny' },
    };
    await session.addItems([{ role: 'user', content: 'weather?' }, call, result]);
    expect(await session.getItems()).toEqual([{ role: 'user', content: 'weather?' }, call, result]);
    expect(await session.getItems(2)).toEqual([call, result]);
    expect(await session.getItems(0)).toEqual([]);
    expect(await session.popItem()).toEqual(result);
    expect(await session.getItems()).toEqual([{ role: 'user', content: 'weather?' }, call]);
    await session.clearSession();
    expect(await session.getItems()).toEqual([]);
    expect(await session.popItem()).toBeUndefined();
  });

  it('refuses an invalid address or memory at construction', () => {
    const memory = memories[kind]!();
    for (const address of [
      {},
      { userId: 'u' },
      { userId: '', conversationId: 'c' },
      { userId: 'u', conversationId: 'c', extra: 1 },
    ])
      expect(() => new ConversationMemorySession({ memory, address: address as never })).toThrow(
        InvalidOptionsError,
      );
    expect(
      () =>
        new ConversationMemorySession({ memory: {} as never, address: { userId: 'u', conversationId: 'c' } }),
    ).toThrow(InvalidOptionsError);
  });
});
