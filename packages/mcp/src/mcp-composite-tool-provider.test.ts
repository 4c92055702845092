import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  CompositeToolProvider,
  InMemoryAuditLog,
  LocalToolProvider,
  StaticToolPolicy,
  defineLocalTool,
} from '@tristack/core';
import { McpHttpFixture } from './mcp-http-server.fixture.js';
import { McpToolProvider } from './mcp-tool-provider.js';
import type { McpToolProviderOptions } from './mcp-tool-provider-options.js';

// MCP providers next to local tools (and, in an application, Arcade) behind one CompositeToolProvider:
// names must not clash, and each provider keeps its own governance.
const TOKENS = { 'tok-alice-3c9d0e11': 'alice' };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function mcp(options: Partial<McpToolProviderOptions> & { name: string }) {
  const server = await McpHttpFixture.start({ tokens: TOKENS });
  const provider = new McpToolProvider({
    transport: { type: 'http', url: server.url },
    credentials: () => ({ bearerToken: 'tok-alice-3c9d0e11' }),
    ...options,
  });
  cleanups.push(async () => {
    await provider.close();
    await server.close();
  });
  return { server, provider };
}

const local = new LocalToolProvider({
  tools: [
    defineLocalTool({
      name: 'whoami',
      description: 'The current user, from the local process.',
      input: z.object({}),
      behavior: { readOnly: true },
      execute: (_input, context) => `local:${context.userId}`,
    }),
  ],
});

describe('McpToolProvider in a CompositeToolProvider', () => {
  it('a clashing tool name is left out and refused, never routed to the first provider; the rest lists', async () => {
    const diagnostics: string[] = [];
    const { provider: first } = await mcp({ name: 'crm' });
    const { provider: second } = await mcp({ name: 'wiki' });
    const clashing = new CompositeToolProvider({
      providers: [first, second],
      onDiagnostic: (message) => diagnostics.push(message),
    });
    // Both servers serve every name: nothing is listed, and the listing still answers.
    expect(await clashing.listTools({ userId: 'alice' })).toEqual([]);
    expect(diagnostics).toContainEqual(expect.stringContaining('whoami is served by crm and wiki'));
    // An MCP server without a prefix publishing a local tool's name cannot take the local tool over.
    const { provider: unprefixed, server } = await mcp({ name: 'srv' });
    const withLocal = new CompositeToolProvider({
      providers: [unprefixed, local],
      onDiagnostic: (message) => diagnostics.push(message),
    });
    const names = (await withLocal.listTools({ userId: 'alice' })).map((tool) => tool.name);
    expect(names).not.toContain('whoami');
    expect(names).toContain('counter');
    expect(await withLocal.execute({ userId: 'alice', toolName: 'whoami', input: {} })).toMatchObject({
      provider: 'composite',
      status: 'tool_error',
      error: { kind: 'not_found', message: expect.stringContaining('served by srv and local') },
    });
    expect(server.registry.calls).toEqual([]);
  });

  it('prefixed servers and local tools serve one agent; each call goes to its owner', async () => {
    const auditLog = new InMemoryAuditLog();
    const { provider: crm, server: crmServer } = await mcp({
      name: 'crm',
      toolNamePrefix: 'crm',
      auditLog,
      policy: new StaticToolPolicy({ rules: [{ denyTools: ['crash'] }] }),
    });
    const { provider: wiki, server: wikiServer } = await mcp({
      name: 'wiki',
      toolNamePrefix: 'wiki',
      auditLog,
    });
    const tools = new CompositeToolProvider({ providers: [crm, wiki, local] });
    const listed = await tools.listTools({ userId: 'alice' });
    expect(
      listed.filter((tool) => tool.name.endsWith('whoami')).map((tool) => `${tool.provider}:${tool.name}`),
    ).toEqual(['crm:crm_whoami', 'wiki:wiki_whoami', 'local:whoami']);
    // Each provider keeps its own policy: crm denies `crash`, wiki does not.
    expect(listed.map((tool) => tool.name)).toContain('wiki_crash');
    expect(listed.map((tool) => tool.name)).not.toContain('crm_crash');

    expect(await tools.execute({ userId: 'alice', toolName: 'whoami' })).toMatchObject({
      provider: 'local',
      output: 'local:alice',
    });
    expect(await tools.execute({ userId: 'alice', toolName: 'wiki_whoami', input: {} })).toMatchObject({
      provider: 'wiki',
      status: 'success',
    });
    expect(wikiServer.registry.calls.map((call) => call.tool)).toEqual(['whoami']);
    expect(crmServer.registry.calls).toEqual([]);
    // A qualified name two servers share is ambiguous, never routed to an arbitrary one.
    expect(await tools.execute({ userId: 'alice', toolName: 'counter' })).toMatchObject({
      status: 'tool_error',
      error: { kind: 'not_found', message: expect.stringContaining('ambiguous') },
    });
    // One audit trail for both servers.
    const providers = (await auditLog.query({ tenantId: 'default', limit: 100 })).events.map(
      (event) => (event.data as { provider?: string }).provider,
    );
    expect(new Set(providers)).toEqual(new Set(['wiki']));
  });
});
