import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '@tristack/core';
import { McpHttpFixture } from './mcp-http-server.fixture.js';
import { McpToolProvider } from './mcp-tool-provider.js';
import type { McpToolProviderOptions } from './mcp-tool-provider-options.js';

// Per-user sessions against real MCP servers: the SDK's Streamable HTTP server on 127.0.0.1 and a
// stdio server in a child process. Each server records which user's credentials it saw.
const TOKENS: Record<string, string> = {};
const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'];
for (const user of USERS) TOKENS[`tok-${user}-${user.length}x`] = user;
const tokenOf = (user: string) => Object.keys(TOKENS).find((token) => TOKENS[token] === user);

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function httpSetup(options: Partial<McpToolProviderOptions> = {}) {
  const server = await McpHttpFixture.start({ tokens: TOKENS });
  const provider = new McpToolProvider({
    transport: { type: 'http', url: server.url },
    credentials: ({ userId }) => ({ bearerToken: tokenOf(userId) ?? 'unknown' }),
    approveDestructive: false,
    ...options,
  });
  cleanups.push(async () => {
    await provider.close();
    await server.close();
  });
  return { server, provider };
}

const STDIO_SERVER = fileURLToPath(new URL('./mcp-stdio-server.fixture.ts', import.meta.url));

function stdioProvider(options: Partial<McpToolProviderOptions> = {}) {
  const provider = new McpToolProvider({
    transport: {
      type: 'stdio',
      command: process.execPath,
      args: ['--import', 'tsx', STDIO_SERVER],
      cwd: process.cwd(),
      env: { MCP_TEST_TOKENS: JSON.stringify(TOKENS) },
    },
    credentials: ({ userId }) => ({ bearerToken: tokenOf(userId) ?? 'unknown' }),
    approveDestructive: false,
    ...options,
  });
  cleanups.push(() => provider.close());
  return provider;
}

async function whoami(provider: McpToolProvider, userId: string, tenantId?: string) {
  const result = await provider.execute({
    userId,
    ...(tenantId ? { tenantId } : {}),
    toolName: 'whoami',
    input: { expectedUser: userId },
  });
  if (result.status !== 'success') throw new Error(`${result.status}: ${JSON.stringify(result)}`);
  return (result.output as { structuredContent: { user: string } }).structuredContent.user;
}

describe('McpToolProvider: per-user sessions over Streamable HTTP', () => {
  it('a concurrent run of several users: every call reaches the server with its own user’s token', async () => {
    const { server, provider } = await httpSetup();
    const rounds = 5;
    const calls = USERS.flatMap((user) => Array.from({ length: rounds }, () => user));
    // Interleaved: every user has calls in flight at the same time as the others.
    const seen = await Promise.all(calls.map(async (user) => [user, await whoami(provider, user)] as const));
    const crossUser = seen.filter(([user, saw]) => user !== saw).length + server.registry.crossUserCalls;
    console.info(
      `[mcp] http: ${calls.length} concurrent calls by ${USERS.length} users, cross-user calls: ${crossUser}`,
    );
    expect(crossUser).toBe(0);
    expect(server.registry.calls).toHaveLength(calls.length);
    expect(server.sessionUserMismatches).toBe(0);
    // One session per user, each opened with that user's token only.
    expect(provider.sessionCount).toBe(USERS.length);
    expect(server.openSessions).toBe(USERS.length);
    const sessionsByUser = new Map<string, Set<string>>();
    for (const { user, sessionId } of server.seen) {
      if (sessionId === undefined) continue;
      sessionsByUser.set(user, (sessionsByUser.get(user) ?? new Set()).add(sessionId));
    }
    const allSessions = [...sessionsByUser.values()].flatMap((ids) => [...ids]);
    expect(new Set(allSessions).size).toBe(allSessions.length);
  });

  it('tenants are separate identities: the same user id in two tenants gets two sessions', async () => {
    const seenTenants: (string | undefined)[] = [];
    const { provider, server } = await httpSetup({
      credentials: ({ userId, tenantId }) => {
        seenTenants.push(tenantId);
        return { bearerToken: tokenOf(userId)! };
      },
    });
    await whoami(provider, 'alice', 'acme');
    await whoami(provider, 'alice', 'globex');
    await whoami(provider, 'alice', 'acme');
    expect(provider.sessionCount).toBe(2);
    expect(server.openSessions).toBe(2);
    expect(seenTenants).toEqual(['acme', 'globex', 'acme']);
  });

  it('a rotated token reopens the session with the new credentials', async () => {
    let token = tokenOf('alice')!;
    const { provider, server } = await httpSetup({ credentials: () => ({ bearerToken: token }) });
    expect(await whoami(provider, 'alice')).toBe('alice');
    token = tokenOf('bob')!; // the resolver now answers another credential for this identity
    await provider.execute({ userId: 'alice', toolName: 'whoami', input: {} });
    expect(server.sessionUserMismatches).toBe(0);
    expect(server.registry.calls.map((call) => call.sawUser)).toEqual(['alice', 'bob']);
    expect(provider.sessionCount).toBe(1);
  });

  it('keeps at most maxSessions open, evicting the least recently used idle one', async () => {
    const { provider, server } = await httpSetup({ maxSessions: 2 });
    await whoami(provider, 'alice');
    await whoami(provider, 'bob');
    await whoami(provider, 'alice');
    await whoami(provider, 'carol'); // evicts bob (least recently used)
    expect(provider.sessionCount).toBe(2);
    expect(server.openSessions).toBe(2);
    await whoami(provider, 'bob');
    expect(server.registry.crossUserCalls).toBe(0);
  });

  it('closes idle sessions (server side too), and close() ends everything', async () => {
    const clock = new ManualClock();
    const { provider, server } = await httpSetup({ clock, idleTimeoutMs: 60_000 });
    await whoami(provider, 'alice');
    clock.advance(30_000);
    await whoami(provider, 'bob');
    clock.advance(30_000);
    expect(await provider.closeIdleSessions()).toBe(1); // alice: idle for 60 s
    expect(provider.sessionCount).toBe(1);
    expect(server.openSessions).toBe(1);
    await provider.close();
    expect(provider.sessionCount).toBe(0);
    expect(server.openSessions).toBe(0);
    await expect(provider.execute({ userId: 'bob', toolName: 'whoami' })).resolves.toMatchObject({
      status: 'tool_error',
      error: { kind: 'unavailable' },
    });
  });
});

describe('McpToolProvider: per-user sessions over stdio', () => {
  it('one process per user, launched with that user’s token: 0 cross-user calls', async () => {
    const provider = stdioProvider();
    const users = USERS.slice(0, 4);
    const calls = users.flatMap((user) => [user, user, user]);
    const seen = await Promise.all(calls.map(async (user) => [user, await whoami(provider, user)] as const));
    const crossUser = seen.filter(([user, saw]) => user !== saw).length;
    console.info(
      `[mcp] stdio: ${calls.length} concurrent calls by ${users.length} users, cross-user calls: ${crossUser}`,
    );
    expect(crossUser).toBe(0);
    expect(provider.sessionCount).toBe(users.length);
    expect((await provider.listTools({ userId: 'alice' })).map((tool) => tool.name)).toContain('whoami');
    await provider.close();
    expect(provider.sessionCount).toBe(0);
  });
});

describe('McpToolProvider: legacy HTTP+SSE fallback', () => {
  it('a server that refuses Streamable HTTP (405) is reached over HTTP+SSE, still per user', async () => {
    const server = await McpHttpFixture.start({ tokens: TOKENS, legacySse: true });
    const provider = new McpToolProvider({
      transport: { type: 'http', url: server.url },
      credentials: ({ userId }) => ({ bearerToken: tokenOf(userId)! }),
    });
    cleanups.push(async () => {
      await provider.close();
      await server.close();
    });
    const seen = await Promise.all(
      ['alice', 'bob', 'alice', 'bob'].map(async (user) => [user, await whoami(provider, user)] as const),
    );
    expect(seen.filter(([user, saw]) => user !== saw)).toEqual([]);
    expect(server.registry.crossUserCalls).toBe(0);
    expect(server.sessionUserMismatches).toBe(0);
    expect(server.legacyOpenSessions).toBe(2);
    await provider.close();
    await expect.poll(() => server.openSessions).toBe(0);
  });
});
