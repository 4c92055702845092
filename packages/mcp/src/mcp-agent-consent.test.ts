import { AIMessage, HumanMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import { Command, MemorySaver } from '@langchain/langgraph';
import { createAgent } from 'langchain';
import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryAuditLog } from '@tristack/core';
import { toLangChainTools, type ToolAuthorizationInterrupt } from '@tristack/langchain';
import { InMemoryOAuthClient, McpHttpFixture } from './mcp-http-server.fixture.js';
import { McpToolProvider } from './mcp-tool-provider.js';

// End to end: a LangChain v1 `createAgent` loop calls a tool of a real OAuth-guarded MCP server.
// The server's 401 becomes the same consent interrupt Arcade produces; resuming retries the call.
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

describe('McpToolProvider in a createAgent loop', () => {
  it('MCP 401 → consent interrupt with the URL → consent → resume → the tool runs as the user', async () => {
    // The catalogue is listed with a service credential; each user's calls use the user's own OAuth grant.
    const server = await McpHttpFixture.start({
      oauth: true,
      tokens: { 'svc-catalogue-token-1': 'catalogue' },
    });
    const clients = new Map<string, InMemoryOAuthClient>();
    const auditLog = new InMemoryAuditLog();
    const provider = new McpToolProvider({
      name: 'docs',
      transport: { type: 'http', url: server.url },
      credentials: ({ userId }) => {
        if (userId === 'catalogue') return { bearerToken: 'svc-catalogue-token-1' };
        if (!clients.has(userId)) clients.set(userId, new InMemoryOAuthClient());
        return { authProvider: clients.get(userId)! };
      },
      auditLog,
    });
    cleanups.push(async () => {
      await provider.close();
      await server.close();
    });
    const tools = await toLangChainTools(provider, {
      listFor: { userId: 'catalogue' },
      authorizationWaitMs: 5_000,
    });
    const whoami = tools.filter((tool) => tool.name === 'whoami');
    expect(whoami).toHaveLength(1);

    const model = fakeModel()
      .respondWithTools([{ name: 'whoami', args: { expectedUser: 'alice' }, id: 'call-1' }])
      .respond((messages) => new AIMessage(`server says: ${messages.at(-1)!.text}`));
    const agent = createAgent({ model, tools: whoami, checkpointer: new MemorySaver() });
    const config = { configurable: { thread_id: 'mcp-thread-1' }, context: { userId: 'alice' } };

    const paused = await agent.invoke(
      { messages: [new HumanMessage('who am I on the docs server?')] },
      config,
    );
    const interrupt = (paused as { __interrupt__?: { value: ToolAuthorizationInterrupt }[] })
      .__interrupt__?.[0]?.value;
    expect(interrupt).toMatchObject({
      type: 'tool_authorization',
      tool: 'whoami',
      toolCallId: 'call-1',
      providerId: 'docs',
      scopes: ['tools'],
      reason: 'not_authorized',
    });
    expect(interrupt!.url.startsWith(`${server.base}/authorize?`)).toBe(true);
    // The model never sees the consent URL.
    expect(JSON.stringify(paused.messages)).not.toContain('/authorize');
    expect(server.registry.calls).toEqual([]);

    // The user consents; the application's OAuth callback hands the code over.
    const { code } = server.consent(interrupt!.url, 'alice');
    await provider.completeAuthorization({ userId: 'alice', authorizationCode: code });

    const resumed = await agent.invoke(new Command({ resume: { granted: true } }), config);
    expect(resumed.messages.at(-1)!.text).toContain('server says:');
    expect(resumed.messages.at(-1)!.text).toContain('alice');
    expect(server.registry.calls).toEqual([{ tool: 'whoami', sawUser: 'alice', expectedUser: 'alice' }]);
    const types = (await auditLog.query({ tenantId: 'default', limit: 100 })).events.map(
      (event) => event.type,
    );
    expect(types).toEqual([
      'tool.call.requested',
      'tool.call.authorized',
      'tool.call.failed',
      'tool.call.requested',
      'tool.call.authorized',
      'tool.call.executed',
    ]);
  });
});
