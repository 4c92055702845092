import { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, HumanMessage } from '@langchain/core/messages';
import type { ChatResult } from '@langchain/core/outputs';
import { InMemoryAuditLog, InMemoryConversationMemory } from '@tristack/core';
import { createAgent, createMiddleware, type AgentMiddleware } from 'langchain';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runIdentityContextSchema } from '../run-context.js';
import { productionMiddleware } from './production-middleware.js';
import { withOneLifecycleNode } from './run-lifecycle-node.js';

class OkModel extends BaseChatModel {
  constructor() {
    super({});
  }
  _llmType() {
    return 'ok';
  }
  override bindTools() {
    return this as never;
  }
  async _generate(): Promise<ChatResult> {
    return { generations: [{ text: 'ok', message: new AIMessage('ok') }] };
  }
}

const context = { userId: 'alice', tenantId: 't', conversationId: 'c' };

/** A middleware that logs its start and end hooks; `fail` makes its start hook throw. */
function logging(name: string, log: string[], fail = false): AgentMiddleware {
  return createMiddleware({
    name,
    contextSchema: runIdentityContextSchema,
    beforeAgent: (_state, runtime) => {
      log.push(`${name}.before:${runtime.context.userId}`);
      if (fail) throw new Error(`${name} refused`);
    },
    afterAgent: async () => {
      log.push(`${name}.after`);
    },
  }) as AgentMiddleware;
}

const graphNodes = (middleware: AgentMiddleware[]) =>
  Object.keys(createAgent({ model: new OkModel(), middleware }).graph.nodes);

describe('withOneLifecycleNode', () => {
  it('runs start hooks in stack order and end hooks in reverse, as separate nodes would', async () => {
    const log: string[] = [];
    const stack = [logging('a', log), logging('b', log), logging('c', log)];
    const separate: string[] = [];
    const reference = [logging('a', separate), logging('b', separate), logging('c', separate)];
    const invoke = (middleware: AgentMiddleware[]) =>
      createAgent({ model: new OkModel(), middleware }).invoke(
        { messages: [new HumanMessage('hi')] },
        { context },
      );
    await invoke(withOneLifecycleNode(stack));
    await invoke(reference);
    expect(log).toEqual(separate);
    expect(log).toEqual([
      'a.before:alice',
      'b.before:alice',
      'c.before:alice',
      'c.after',
      'b.after',
      'a.after',
    ]);
  });

  it('a start hook that throws stops the later ones and fails the run', async () => {
    const log: string[] = [];
    const agent = createAgent({
      model: new OkModel(),
      middleware: withOneLifecycleNode([logging('a', log), logging('b', log, true), logging('c', log)]),
    });
    await expect(agent.invoke({ messages: [new HumanMessage('hi')] }, { context })).rejects.toThrow(
      'b refused',
    );
    expect(log).toEqual(['a.before:alice', 'b.before:alice']);
  });

  it('keeps wrap hooks and tools where they were, and leaves other context schemas alone', () => {
    const wrap = createMiddleware({
      name: 'wrap',
      beforeAgent: () => undefined,
      wrapModelCall: (request, handler) => handler(request),
    }) as AgentMiddleware;
    const foreign = createMiddleware({
      name: 'foreign',
      contextSchema: z.object({ plan: z.string().optional() }),
      beforeAgent: () => undefined,
    }) as AgentMiddleware;
    const log: string[] = [];
    const merged = withOneLifecycleNode([logging('a', log), wrap, foreign, logging('b', log)]);
    expect(merged.map((middleware) => middleware.name)).toEqual(['TristackRun', 'wrap', 'foreign']);
    expect(merged[1]!.beforeAgent).toBeUndefined();
    expect(merged[1]!.wrapModelCall).toBe(wrap.wrapModelCall);
    expect(merged[2]).toBe(foreign);
  });

  it('leaves a middleware with state of its own alone (the merged node sees built-in state only)', () => {
    const log: string[] = [];
    const stateful = createMiddleware({
      name: 'stateful',
      stateSchema: z.object({ count: z.number().default(0) }),
      beforeAgent: () => ({ count: 1 }),
    }) as AgentMiddleware;
    const merged = withOneLifecycleNode([logging('a', log), stateful, logging('b', log)]);
    expect(merged.map((middleware) => middleware.name)).toEqual(['TristackRun', 'stateful']);
    expect(merged[1]).toBe(stateful);
  });

  it('two productionMiddleware stacks in one agent clash by name, as they did unmerged', () => {
    const memoryOnly = productionMiddleware({ memory: new InMemoryConversationMemory(), retry: false });
    const auditOnly = productionMiddleware({
      auditLog: new InMemoryAuditLog(),
      retry: false,
      telemetry: false,
    });
    expect(() => createAgent({ model: new OkModel(), middleware: [...memoryOnly, ...auditOnly] })).toThrow(
      /defined multiple times/,
    );
  });

  it("start and end hooks see the run's whole context, as model-call hooks do (custom identity keys)", async () => {
    const memory = new InMemoryConversationMemory();
    const identity = (source: { context?: unknown }) => {
      const context = (source.context ?? {}) as { account?: string; thread?: string };
      return { userId: context.account, conversationId: context.thread };
    };
    const agent = createAgent({
      model: new OkModel(),
      middleware: productionMiddleware({ memory: { memory, identity }, retry: false }),
    });
    await agent.invoke(
      { messages: [new HumanMessage('hi')] },
      { context: { account: 'acct-7', thread: 't1' } },
    );
    const stored = await memory.read({ userId: 'acct-7', conversationId: 't1' });
    expect(stored.map((message) => message.content)).toEqual(['hi', 'ok']);
  });

  it('productionMiddleware costs one start node and one end node', () => {
    const nodes = graphNodes(
      productionMiddleware({
        auditLog: new InMemoryAuditLog(),
        memory: new InMemoryConversationMemory(),
      }),
    );
    expect(nodes.filter((node) => node.endsWith('.before_agent'))).toEqual(['TristackRun.before_agent']);
    expect(nodes.filter((node) => node.endsWith('.after_agent'))).toEqual(['TristackRun.after_agent']);
  });
});
