import type { LanguageModelV3CallOptions, LanguageModelV3GenerateResult } from '@ai-sdk/provider';
import { AIMessage, HumanMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import type { AuditEvent, StoredMessage } from '@tristack/core';
import { productionMiddleware as aiSdkMiddleware, withRunIdentity } from '@tristack/ai-sdk';
import { productionMiddleware as langchainMiddleware } from '@tristack/langchain';
import {
  RedisAuditLog,
  RedisCircuitBreaker,
  RedisConversationMemory,
  RedisJobQueue,
  RedisRateLimiter,
  RedisSemanticCache,
  RedisTokenStream,
} from '@tristack/redis';
import { useRedis } from '@tristack/testing/redis';
import { generateText, stepCountIs, tool as aiSdkTool, wrapLanguageModel } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { createAgent, tool as langchainTool } from 'langchain';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
// The CLI's own test runner (as the adapters' CLI tests use it): the real `tristack` in this process.
import { runInProcess } from '../../../packages/cli/src/run-cli.fixture.js';
import { runTurn, type LoopModel, type LoopTool } from './agent-loop.js';

const redis = useRedis();

/** One conversation, the same for every framework: a tool-using turn, then a plain one. */
const who = { tenantId: 'acme', userId: 'alice', conversationId: 'trip' };
const turns = [
  { runId: 'run-1', text: 'Weather in Oslo?' },
  { runId: 'run-2', text: 'Thanks!' },
] as const;
const MODEL = 'scripted-1';
const weather = async ({ city }: { city: string }) => `sunny in ${city}`;
/** What the scripted model says: a tool call for a weather question, then answers from the result. */
const script = {
  toolCall: { id: 'call-1', name: 'weather', args: { city: 'Oslo' } },
  afterTool: (result: string) => `It is ${result}.`,
  plain: 'You are welcome.',
};

/** Drives the conversation through `createAgent` with the Tristack LangChain middleware. */
async function throughLangChain(prefix: string): Promise<void> {
  const base = { client: redis.client, prefix };
  // What a provider returns: no text beside a tool call, and the call's token usage.
  const usage_metadata = { input_tokens: 10, output_tokens: 5, total_tokens: 15 };
  const model = fakeModel()
    .respond(new AIMessage({ content: '', tool_calls: [script.toolCall], usage_metadata }))
    .respond(new AIMessage({ content: script.afterTool(await weather({ city: 'Oslo' })), usage_metadata }))
    .respond(new AIMessage({ content: script.plain, usage_metadata }));
  Object.defineProperty(model, 'model', { value: MODEL }); // the id audit events name
  const agent = createAgent({
    model,
    tools: [
      langchainTool(weather, {
        name: 'weather',
        description: 'weather of a city',
        schema: z.object({ city: z.string() }),
      }),
    ],
    middleware: langchainMiddleware({
      auditLog: new RedisAuditLog(base),
      memory: new RedisConversationMemory(base),
    }),
  });
  for (const turn of turns)
    await agent.invoke(
      { messages: [new HumanMessage(turn.text)] },
      { context: { ...who, runId: turn.runId } },
    );
}

const usage = { inputTokens: { total: 10, noCache: 10, cacheRead: 0, cacheWrite: 0 } };
function scriptedAiSdkAnswer(options: LanguageModelV3CallOptions): LanguageModelV3GenerateResult {
  const last = options.prompt.at(-1)!;
  const finish = (content: LanguageModelV3GenerateResult['content'], unified: 'stop' | 'tool-calls') => ({
    content,
    finishReason: { unified, raw: unified },
    usage: { ...usage, outputTokens: { total: 5, text: 5, reasoning: 0 } },
    warnings: [],
  });
  if (last.role === 'tool') {
    const [result] = last.content as { output: { value: string } }[];
    return finish([{ type: 'text', text: script.afterTool(result!.output.value) }], 'stop');
  }
  const question =
    last.role === 'user' ? last.content.map((part) => (part.type === 'text' ? part.text : '')).join('') : '';
  if (!question.startsWith('Weather')) return finish([{ type: 'text', text: script.plain }], 'stop');
  const call = script.toolCall;
  return finish(
    [{ type: 'tool-call', toolCallId: call.id, toolName: call.name, input: JSON.stringify(call.args) }],
    'tool-calls',
  );
}

/** Drives it through `generateText` on a model wrapped with the Tristack AI SDK middleware. */
async function throughAiSdk(prefix: string): Promise<void> {
  const base = { client: redis.client, prefix };
  const model = wrapLanguageModel({
    model: new MockLanguageModelV3({
      modelId: MODEL,
      doGenerate: async (options) => scriptedAiSdkAnswer(options),
    }),
    middleware: aiSdkMiddleware({
      auditLog: new RedisAuditLog(base),
      memory: new RedisConversationMemory(base),
    }),
  });
  const tools = {
    weather: aiSdkTool({
      description: 'weather of a city',
      inputSchema: z.object({ city: z.string() }),
      execute: weather,
    }),
  };
  for (const turn of turns)
    await withRunIdentity({ ...who, runId: turn.runId }, () =>
      generateText({ model, prompt: turn.text, tools, stopWhen: stepCountIs(3) }),
    );
}

/** Drives it through the plain loop of this example, on every primitive. */
async function throughPlainLoop(prefix: string): Promise<void> {
  const base = { client: redis.client, prefix };
  const model: LoopModel = {
    id: MODEL,
    async *stream(messages) {
      const last = messages.at(-1)!;
      if (last.role === 'tool') yield { type: 'text', text: script.afterTool(last.content) };
      else if (last.content.startsWith('Weather'))
        yield { type: 'tool-call', id: script.toolCall.id, name: 'weather', input: script.toolCall.args };
      else yield { type: 'text', text: script.plain };
      yield { type: 'usage', inputTokens: 10, outputTokens: 5 };
    },
  };
  const tools: Record<string, LoopTool> = { weather: { run: (input) => weather({ city: input['city']! }) } };
  const primitives = {
    memory: new RedisConversationMemory(base),
    limiter: new RedisRateLimiter({
      ...base,
      limits: [
        {
          name: 'rpm',
          scope: 'user',
          algorithm: 'fixed-window',
          anchor: 'first-hit',
          limit: 100,
          windowMs: 60_000,
        },
        {
          name: 'tpm',
          scope: 'user',
          unit: 'tokens',
          algorithm: 'fixed-window',
          anchor: 'first-hit',
          limit: 1e6,
          windowMs: 60_000,
        },
      ],
    }),
    breaker: new RedisCircuitBreaker(base),
    cache: await RedisSemanticCache.create(base),
    queue: new RedisJobQueue(base),
    tokens: new RedisTokenStream(base),
    auditLog: new RedisAuditLog(base),
  };
  try {
    for (const turn of turns) await runTurn(model, tools, primitives, { ...who, ...turn });
  } finally {
    await primitives.queue.close();
    await primitives.breaker.close();
  }
}

/** `tristack --prefix <prefix> <args…> --tenant acme --json`, parsed. */
async function tristack<Output>(prefix: string, ...args: string[]): Promise<Output> {
  const run = await runInProcess([
    '--url',
    `${redis.url}/${redis.database}`,
    '--prefix',
    prefix,
    ...args,
    '--tenant',
    who.tenantId,
    '--json',
  ]);
  expect(run).toMatchObject({ code: 0, stderr: '' });
  return JSON.parse(run.stdout) as Output;
}

/** What a view should agree on across frameworks: no ids or times; a duration only as present. */
const comparableMessage = (message: StoredMessage) => ({
  role: message.role,
  content: message.content,
  ...(message.toolCalls ? { toolCalls: message.toolCalls } : {}),
  ...(message.toolCallId ? { toolCallId: message.toolCallId, name: message.name } : {}),
});
const comparableEvent = (event: AuditEvent) => {
  const { durationMs, ...data } = event.data as Record<string, unknown>;
  const shown: Record<string, unknown> = { ...data };
  if (durationMs !== undefined) shown['durationMs'] = typeof durationMs;
  return {
    type: event.type,
    tenantId: event.tenantId,
    userId: event.userId,
    conversationId: event.conversationId,
    runId: event.runId,
    data: shown,
  };
};

/** The rows of the human trail (`audit conversation` without `--json`) without time, sequence and duration. */
const comparableRows = (text: string) =>
  text
    .split('\n')
    .filter((line) => /^\d{4}-\d\d-\d\dT/.test(line))
    .map((line) =>
      line
        .split(/ {2,}/)
        .slice(2)
        .join(' | ')
        .replace(/ · [\d.]+m?s$/, ' · <duration>'),
    );

interface Views {
  memory: ReturnType<typeof comparableMessage>[];
  inspected: ReturnType<typeof comparableMessage>[];
  audit: ReturnType<typeof comparableEvent>[];
  auditRows: string[];
}

async function viewsOf(prefix: string): Promise<Views> {
  const memory = await new RedisConversationMemory({ client: redis.client, prefix }).read(who);
  const rows = await runInProcess([
    '--url',
    `${redis.url}/${redis.database}`,
    '--prefix',
    prefix,
    'audit',
    'conversation',
    who.userId,
    who.conversationId,
    '--tenant',
    who.tenantId,
  ]);
  expect(rows).toMatchObject({ code: 0, stderr: '' });
  const trail = await tristack<{ events: AuditEvent[] }>(
    prefix,
    'audit',
    'conversation',
    who.userId,
    who.conversationId,
  );
  const inspected = await tristack<{ memory: { messages: StoredMessage[] } }>(
    prefix,
    'inspect',
    'conversation',
    who.userId,
    who.conversationId,
  );
  return {
    memory: memory.map(comparableMessage),
    inspected: inspected.memory.messages.map(comparableMessage),
    audit: trail.events.map(comparableEvent),
    auditRows: comparableRows(rows.stdout),
  };
}

describe('one conversation through LangChain, the AI SDK and the plain loop', () => {
  it('writes the same memory and audit trail, as memory reads and the tristack CLI show them', async () => {
    const prefixes = {
      langchain: `${redis.prefix}-langchain`,
      aiSdk: `${redis.prefix}-ai-sdk`,
      plainLoop: `${redis.prefix}-plain-loop`,
    };
    await throughLangChain(prefixes.langchain);
    await throughAiSdk(prefixes.aiSdk);
    await throughPlainLoop(prefixes.plainLoop);
    const views = {
      langchain: await viewsOf(prefixes.langchain),
      aiSdk: await viewsOf(prefixes.aiSdk),
      plainLoop: await viewsOf(prefixes.plainLoop),
    };
    const envelope = { tenantId: 'acme', userId: 'alice', conversationId: 'trip' };
    const modelCall = (runId: string, toolCallCount: number) => ({
      type: 'model.call.finished',
      ...envelope,
      runId,
      data: {
        model: MODEL,
        cached: false,
        durationMs: 'number',
        tokenUsage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 },
        toolCallCount,
      },
    });
    const toolCall = { tool: 'weather', toolCallId: 'call-1' };
    const trail = [
      modelCall('run-1', 1),
      {
        type: 'tool.call.requested',
        ...envelope,
        runId: 'run-1',
        data: { ...toolCall, arguments: { city: 'Oslo' } },
      },
      {
        type: 'tool.call.executed',
        ...envelope,
        runId: 'run-1',
        data: { ...toolCall, outcome: 'success', durationMs: 'number' },
      },
      modelCall('run-1', 0),
      modelCall('run-2', 0),
    ];
    const conversation = [
      { role: 'user', content: 'Weather in Oslo?' },
      {
        role: 'assistant',
        content: '',
        toolCalls: [{ id: 'call-1', name: 'weather', args: { city: 'Oslo' } }],
      },
      { role: 'tool', content: 'sunny in Oslo', toolCallId: 'call-1', name: 'weather' },
      { role: 'assistant', content: 'It is sunny in Oslo.' },
      { role: 'user', content: 'Thanks!' },
      { role: 'assistant', content: 'You are welcome.' },
    ];
    for (const [framework, view] of Object.entries(views)) {
      expect({ framework, messages: view.memory }).toEqual({ framework, messages: conversation });
      expect({ framework, messages: view.inspected }).toEqual({ framework, messages: conversation });
    }
    expect(views.langchain.audit).toEqual(trail);
    expect(views.plainLoop.audit).toEqual(trail);
    // The intended differences of the AI SDK (docs/ai-sdk.md): the AI SDK runs tools outside the
    // model, where no model middleware sees them, so its trail has no `tool.call.executed`; and its
    // `model.call.finished` also names the AI SDK's finish reason.
    expect(views.aiSdk.audit.map((event) => event.data['finishReason'])).toEqual([
      'tool-calls',
      undefined,
      'stop',
      'stop',
    ]);
    const withoutFinishReason = views.aiSdk.audit.map(
      ({ data: { finishReason: _reason, ...data }, ...event }) => ({
        ...event,
        data,
      }),
    );
    expect(withoutFinishReason).toEqual(trail.filter((event) => event.type !== 'tool.call.executed'));
    // And what a person reads: the same rows (layer, type, actor, outcome, detail).
    const modelRow =
      'orchestration | model.call.finished | alice | ok | scripted-1 · 10 in / 5 out tokens · <duration>';
    const rows = [
      modelRow,
      'tool | tool.call.requested | alice | requested | weather',
      'tool | tool.call.executed | alice | success | weather · <duration>',
      modelRow,
      modelRow,
    ];
    expect(views.langchain.auditRows).toEqual(rows);
    expect(views.plainLoop.auditRows).toEqual(rows);
    expect(views.aiSdk.auditRows).toEqual(rows.filter((row) => !row.includes('tool.call.executed')));
  });
});
