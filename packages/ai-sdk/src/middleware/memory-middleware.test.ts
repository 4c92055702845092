import type { LanguageModelV3CallOptions, LanguageModelV3GenerateResult } from '@ai-sdk/provider';
import { generateText, jsonSchema, stepCountIs, streamText, tool, wrapLanguageModel } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { answer, driverTable, streamed } from '../drivers.fixture.js';
import { withRunIdentity } from '../run-identity.js';
import { memoryMiddleware } from './memory-middleware.js';

const table = driverTable();

/** What each call's prompt said, as role: text lines. */
const transcript = (options: LanguageModelV3CallOptions) =>
  options.prompt.map((message) =>
    typeof message.content === 'string'
      ? `${message.role}: ${message.content}`
      : `${message.role}: ${message.content.map((part) => ('text' in part ? part.text : part.type)).join('')}`,
  );

describe.each(['memory', 'redis'] as const)('memoryMiddleware with %s drivers', (kind) => {
  const drivers = () => table[kind]();

  it('continues a conversation the app sends only new messages of, per user and conversation', async () => {
    const memory = drivers().memory();
    const inner = new MockLanguageModelV3({
      modelId: 'm',
      doGenerate: async () => answer('Nice to meet you, Ada.'),
      doStream: async () => streamed('You are Ada.'),
    });
    const model = wrapLanguageModel({ model: inner, middleware: memoryMiddleware({ memory }) });
    const ada = { tenantId: 't', userId: 'ada', conversationId: 'c-1' };
    await withRunIdentity(ada, () => generateText({ model, system: 'Be brief.', prompt: 'My name is Ada.' }));
    const second = await withRunIdentity(ada, async () => {
      const result = streamText({ model, system: 'Be brief.', prompt: 'What is my name?' });
      return result.text;
    });
    expect(second).toBe('You are Ada.');
    expect(transcript(inner.doStreamCalls[0]!)).toEqual([
      'system: Be brief.',
      'user: My name is Ada.',
      'assistant: Nice to meet you, Ada.',
      'user: What is my name?',
    ]);
    // Another user, or another conversation, starts empty.
    await withRunIdentity({ ...ada, userId: 'eve' }, () => generateText({ model, prompt: 'And mine?' }));
    expect(transcript(inner.doGenerateCalls[1]!)).toEqual(['user: And mine?']);
    const stored = await memory.read({ tenantId: 't', userId: 'ada', conversationId: 'c-1' });
    expect(stored.map((message) => `${message.role}: ${String(message.content)}`)).toEqual([
      'user: My name is Ada.',
      'assistant: Nice to meet you, Ada.',
      'user: What is my name?',
      'assistant: You are Ada.',
    ]);
  });

  it('stores a tool-using turn once, when it ends, with its tool call and result', async () => {
    const memory = drivers().memory();
    const inner = new MockLanguageModelV3({
      modelId: 'm',
      doGenerate: async (options): Promise<LanguageModelV3GenerateResult> =>
        options.prompt.some((message) => message.role === 'tool')
          ? answer('It is sunny in Oslo.')
          : {
              ...answer(''),
              content: [
                { type: 'tool-call', toolCallId: 'w1', toolName: 'weather', input: '{"city":"Oslo"}' },
              ],
              finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
            },
    });
    const model = wrapLanguageModel({ model: inner, middleware: memoryMiddleware({ memory }) });
    const weather = tool({
      description: 'weather of a city',
      inputSchema: jsonSchema<{ city: string }>({ type: 'object', properties: { city: { type: 'string' } } }),
      execute: async ({ city }) => `sunny in ${city}`,
    });
    const address = { userId: 'ada', conversationId: 'c-2' };
    const result = await withRunIdentity(address, () =>
      generateText({ model, prompt: 'Weather in Oslo?', tools: { weather }, stopWhen: stepCountIs(3) }),
    );
    expect(result.text).toBe('It is sunny in Oslo.');
    const stored = await memory.read(address);
    expect(stored.map((message) => message.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    expect(stored[1]!.toolCalls).toEqual([{ id: 'w1', name: 'weather', args: { city: 'Oslo' } }]);
    expect(stored[2]).toMatchObject({ toolCallId: 'w1', content: 'sunny in Oslo' });
  });

  it('runs without memory when the call names no conversation', async () => {
    const memory = drivers().memory();
    const inner = new MockLanguageModelV3({ modelId: 'm', doGenerate: async () => answer('ok') });
    const model = wrapLanguageModel({ model: inner, middleware: memoryMiddleware({ memory }) });
    await withRunIdentity({ userId: 'ada' }, () => generateText({ model, prompt: 'hi' }));
    expect(await memory.listConversations('ada')).toEqual([]);
  });
});
