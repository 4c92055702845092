import { AIMessage, HumanMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import { Command, MemorySaver } from '@langchain/langgraph';
import { createAgent } from 'langchain';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  LocalToolProvider,
  defineLocalTool,
  type ExecuteToolRequest,
  type ListToolsRequest,
  type ToolProvider,
  type ToolResult,
  unwrapTristackError,
} from '@tristack/core';
import { driverTable } from '../drivers.fixture.js';
import { auditMiddleware } from '../middleware/audit-middleware.js';
import { MissingRunIdentityError } from '../run-context.js';
import { toLangChainTools } from './to-langchain-tools.js';

const CONSENT_URL = 'https://consent.example/authorize?state=secret-state';

/** A local provider behind a fake OAuth gate: users must consent before `list_repos` runs. */
class ConsentGatedProvider implements ToolProvider {
  readonly name = 'gated';
  readonly authorized = new Set<string>();
  readonly calls: ExecuteToolRequest[] = [];
  private readonly local = new LocalToolProvider({
    tools: [
      defineLocalTool({
        name: 'list_repos',
        description: 'lists the user’s repositories',
        input: z.object({ owner: z.string() }),
        execute: ({ owner }, context) => `${owner}/${context.userId}-repo`,
      }),
    ],
  });
  listTools(request: ListToolsRequest) {
    return this.local.listTools(request);
  }
  async execute(request: ExecuteToolRequest): Promise<ToolResult> {
    this.calls.push(request);
    if (!this.authorized.has(request.userId))
      return {
        provider: this.name,
        toolName: request.toolName,
        status: 'authorization_required',
        authorization: {
          id: 'ac_1',
          url: CONSENT_URL,
          providerId: 'github',
          scopes: ['repo'],
          reason: 'not_authorized',
        },
      };
    return this.local.execute(request);
  }
}

const table = driverTable();

describe.each(['memory', 'redis'] as const)('toLangChainTools with %s audit log', (kind) => {
  it('runs as the context’s user; authorization required → interrupt with the URL; resume retries', async () => {
    const provider = new ConsentGatedProvider();
    const auditLog = table[kind]().auditLog();
    const tools = await toLangChainTools(provider, { listFor: { userId: 'u1' } });
    expect(tools.map((each) => each.name)).toEqual(['list_repos']);
    const model = fakeModel()
      .respondWithTools([{ name: 'list_repos', args: { owner: 'ada' }, id: 'call-1' }])
      .respond((messages) => new AIMessage(`repos: ${messages.at(-1)!.text}`));
    const agent = createAgent({
      model,
      tools,
      checkpointer: new MemorySaver(),
      middleware: [auditMiddleware({ auditLog })],
    });
    const config = { configurable: { thread_id: 'thread-1' }, context: { userId: 'u1', tenantId: 'tools' } };

    const paused = await agent.invoke({ messages: [new HumanMessage('list my repos')] }, config);
    const interrupts = (
      paused as { __interrupt__?: { value: { type: string; url: string; scopes: string[] } }[] }
    ).__interrupt__;
    expect(interrupts?.[0]?.value).toMatchObject({
      type: 'tool_authorization',
      url: CONSENT_URL,
      scopes: ['repo'],
    });
    // The model never sees the URL or an error.
    expect(JSON.stringify(paused.messages)).not.toContain('consent.example');
    expect(model.callCount).toBe(1);

    provider.authorized.add('u1');
    const resumed = await agent.invoke(new Command({ resume: { granted: true } }), config);
    expect(resumed.messages.at(-1)!.text).toBe('repos: ada/u1-repo');
    expect(provider.calls.map((call) => [call.userId, call.toolCallId])).toEqual([
      ['u1', 'call-1'],
      ['u1', 'call-1'],
    ]);
    const { events } = await auditLog.query({ tenantId: 'tools' });
    expect(events.map((event) => event.type)).toEqual([
      'model.call.finished',
      'tool.call.requested',
      'interrupt.raised',
      'interrupt.resumed',
      'tool.call.executed',
      'model.call.finished',
    ]);
    expect(JSON.stringify(events)).not.toContain('secret-state');
  });

  it('a declined consent answers the model with an error, without running the tool', async () => {
    const provider = new ConsentGatedProvider();
    const tools = await toLangChainTools(provider, { listFor: { userId: 'u2' } });
    const model = fakeModel()
      .respondWithTools([{ name: 'list_repos', args: { owner: 'bob' }, id: 'call-2' }])
      .respond((messages) => new AIMessage(messages.at(-1)!.text));
    const agent = createAgent({ model, tools, checkpointer: new MemorySaver() });
    const config = { configurable: { thread_id: 'thread-2' }, context: { userId: 'u2' } };
    await agent.invoke({ messages: [new HumanMessage('list')] }, config);
    const resumed = await agent.invoke(new Command({ resume: { granted: false } }), config);
    expect(resumed.messages.at(-1)!.text).toBe('Error: the user did not authorize list_repos.');
  });

  it('a run without a user fails with MissingRunIdentityError, and the tool does not run', async () => {
    const provider = new ConsentGatedProvider();
    provider.authorized.add('u3');
    const [listRepos] = await toLangChainTools(provider, { listFor: { userId: 'u3' } });
    const error: unknown = await listRepos!
      .invoke({ id: 'c1', name: 'list_repos', args: { owner: 'x' }, type: 'tool_call' }, {
        context: { tenantId: 'acme' },
      } as never)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MissingRunIdentityError);
    expect(unwrapTristackError(error)).toMatchObject({ code: 'IDENTITY_REQUIRED', missing: 'userId' });
    expect(provider.calls).toEqual([]);
  });
});
