import { afterEach, describe, expect, it } from 'vitest';
import { AbortedError, InvalidOptionsError, StaticToolPolicy, type ToolResult } from '@tristack/core';
import { McpHttpFixture } from './mcp-http-server.fixture.js';
import type { McpProgress } from './mcp-progress.js';
import { McpToolProvider } from './mcp-tool-provider.js';
import type { McpToolProviderOptions } from './mcp-tool-provider-options.js';

// What an outside review found, each against a real Streamable HTTP MCP server on 127.0.0.1:
// name aliasing, header merging, credential leaks, aborts while opening, hostile names and
// schemas, oversized results, endless progress.
const TOKENS = { 'tok-alice-5e61c0aa': 'alice', 'tok-bob-77d1f3b2': 'bob' };
const tokenOf = (user: string) => Object.entries(TOKENS).find(([, owner]) => owner === user)?.[0];

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function setup(options: Partial<McpToolProviderOptions> = {}, server?: McpHttpFixture) {
  const fixture = server ?? (await McpHttpFixture.start({ tokens: TOKENS }));
  const provider = new McpToolProvider({
    name: 'notes',
    transport: { type: 'http', url: fixture.url },
    credentials: ({ userId }) => ({ bearerToken: tokenOf(userId) ?? 'nobody' }),
    approveDestructive: false,
    ...options,
  });
  cleanups.push(async () => {
    await provider.close();
    await fixture.close();
  });
  return { server: fixture, provider };
}

function expectStatus<S extends ToolResult['status']>(result: ToolResult, status: S) {
  expect(result.status, JSON.stringify(result)).toBe(status);
  return result as Extract<ToolResult, { status: S }>;
}

describe('McpToolProvider: a call runs the tool the model named', () => {
  it('resolves the model-facing name before a raw server name; the allowlist judges the resolved tool', async () => {
    const server = await McpHttpFixture.start({ tokens: TOKENS });
    // With prefix `crm`, `search` is `crm_search` to the model; the raw tool `crm_search` is `crm_crm_search`.
    server.registry.extraTools.push('crm_search', 'search');
    const { provider } = await setup(
      {
        toolNamePrefix: 'crm',
        policy: new StaticToolPolicy({ rules: [{ allowTools: ['crm_search'] }] }),
      },
      server,
    );
    const listed = await provider.listTools({ userId: 'alice' });
    // The allowlist lists only the tool the model knows as `crm_search`; the raw one is known by its own name.
    expect(listed.map((tool) => `${tool.name}=${tool.qualifiedName}`)).toEqual(['crm_search=search']);
    const result = expectStatus(
      await provider.execute({ userId: 'alice', toolName: 'crm_search', input: {} }),
      'success',
    );
    expect(result.output).toBe('search ran');
    // The raw tool is reachable only by its own model-facing name, which the allowlist refuses.
    const denied = expectStatus(
      await provider.execute({ userId: 'alice', toolName: 'crm_crm_search', input: {} }),
      'tool_error',
    );
    expect(denied.error.kind).toBe('denied');
    expect(server.registry.calls.map((call) => call.tool)).toEqual(['search']);
  });
});

describe('McpToolProvider: credentials', () => {
  it("replaces a shared Authorization header (any case) with the user's own", async () => {
    const server = await McpHttpFixture.start({ tokens: TOKENS });
    const { provider } = await setup(
      {
        transport: {
          type: 'http',
          url: server.url,
          headers: { Authorization: 'Bearer SHARED-service-token', 'X-Team': 'blue' },
        },
        credentials: () => ({ headers: { AUTHORIZATION: 'Bearer ignored' }, bearerToken: tokenOf('bob')! }),
      },
      server,
    );
    const result = expectStatus(
      await provider.execute({ userId: 'bob', toolName: 'whoami', input: {} }),
      'success',
    );
    expect(result.output).toMatchObject({ structuredContent: { user: 'bob' } });
    expect(new Set(server.authorizationHeaders)).toEqual(new Set([`Bearer ${tokenOf('bob')}`]));
  });

  it("scrubs the user's credential from open errors, listing errors, output and progress", async () => {
    const server = await McpHttpFixture.start({ tokens: TOKENS });
    server.registry.extraTools.push('echo_credential');
    const bad = 'tok-SECRET-aaaa1111\nsecond-line-zz99';
    const { provider } = await setup(
      { credentials: ({ userId }) => ({ bearerToken: userId === 'eve' ? bad : tokenOf(userId)! }) },
      server,
    );
    // An invalid header value: fetch refuses it, quoting it.
    const failed = expectStatus(
      await provider.execute({ userId: 'eve', toolName: 'whoami', input: {} }),
      'tool_error',
    );
    const listing = await provider.listTools({ userId: 'eve' }).catch((error: unknown) => error);
    expect(listing).toBeInstanceOf(Error);
    for (const text of [JSON.stringify(failed), (listing as Error).message]) {
      expect(text).not.toContain('aaaa1111');
      expect(text).not.toContain('second-line');
    }

    const progress: McpProgress[] = [];
    const { provider: echoing } = await setup({ onProgress: (item) => progress.push(item) }, server);
    const echoed = expectStatus(
      await echoing.execute({ userId: 'alice', toolName: 'echo_credential', input: {} }),
      'success',
    );
    expect(progress).toHaveLength(1);
    for (const text of [JSON.stringify(echoed.output), JSON.stringify(progress)]) {
      expect(text).toContain('[REDACTED]');
      expect(text).not.toContain(tokenOf('alice'));
    }
  });
});

describe('McpToolProvider: a session that does not open', () => {
  it('answers AbortedError when the caller aborts, and close() aborts the opening', async () => {
    const server = await McpHttpFixture.start({ tokens: TOKENS });
    server.stalled = true;
    // Longer than the test's own timeout: only an abort can end these waits in time.
    const { provider } = await setup({ connectTimeoutMs: 60_000 }, server);
    const controller = new AbortController();
    const call = provider.execute({ userId: 'alice', toolName: 'whoami', signal: controller.signal });
    await waitUntil(() => server.authorizationHeaders.length > 0);
    controller.abort();
    await expect(call).rejects.toBeInstanceOf(AbortedError);

    const listing = provider.listTools({ userId: 'alice' }).catch((error: unknown) => error);
    await provider.close();
    expect(await listing).toBeInstanceOf(Error);
  });
});

async function waitUntil(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('McpToolProvider: hostile listings', () => {
  const object = { type: 'object' as const, properties: {} };

  it('leaves out tools with unsafe names or over-deep schemas, with a diagnostic; the rest lists and audits', async () => {
    const server = await McpHttpFixture.start({ tokens: TOKENS });
    let deep: Record<string, unknown> = { type: 'string' };
    for (let level = 0; level < 2_000; level++) deep = { type: 'object', properties: { next: deep } };
    server.registry.extraDefinitions.push(
      { name: 'evil\nname', inputSchema: object },
      { name: 'nul\u0000name', inputSchema: object },
      { name: 'rtl\u202Eeman', inputSchema: object },
      { name: 'n'.repeat(1_500), inputSchema: object },
      { name: 'deep', inputSchema: { type: 'object', properties: { root: deep } } },
    );
    const diagnostics: string[] = [];
    const { provider } = await setup({ onDiagnostic: (message) => diagnostics.push(message) }, server);
    const names = (await provider.listTools({ userId: 'alice' })).map((tool) => tool.qualifiedName);
    expect(names).toContain('whoami');
    expect(names.filter((name) => /evil|nul|rtl|nnnn|deep/.test(name))).toEqual([]);
    expect(diagnostics).toHaveLength(5);
    expect(diagnostics.join('\n')).toMatch(/control or bidirectional/);
    expect(diagnostics.join('\n')).toMatch(/longer than 1024/);
    expect(diagnostics.join('\n')).toMatch(/nested deeper than 64/);
    for (const character of ['\u0000', '\u202E', '\n'])
      expect(diagnostics.join(' ')).not.toContain(character);
    // The model cannot reach a left-out tool by any spelling.
    const result = expectStatus(
      await provider.execute({ userId: 'alice', toolName: 'evil_name', input: {} }),
      'tool_error',
    );
    expect(result.error.kind).toBe('not_found');
    expectStatus(await provider.execute({ userId: 'alice', toolName: 'whoami', input: {} }), 'success');
  });

  it('treats parameters named constructor, toString and __proto__ as ordinary parameters', async () => {
    const server = await McpHttpFixture.start({ tokens: TOKENS });
    server.registry.extraDefinitions.push({
      name: 'proto',
      inputSchema: JSON.parse(
        '{"type":"object","properties":{"constructor":{"type":"number"},"toString":{"type":"string"},"__proto__":{"type":"string"}},"required":["__proto__"]}',
      ) as { type: 'object' },
    });
    const { provider } = await setup({}, server);
    const tool = (await provider.listTools({ userId: 'alice' })).find((item) => item.name === 'proto')!;
    // `__proto__` does not survive JSON parsing into a plain object: it is not declared, so not required.
    expect(Object.keys(tool.inputJsonSchema.properties as object)).toEqual(['constructor', 'toString']);
    expect(tool.inputJsonSchema.required).toEqual([]);
    // constructor and toString may be left out (never read from Object.prototype).
    expectStatus(await provider.execute({ userId: 'alice', toolName: 'proto', input: {} }), 'success');
    const wrong = expectStatus(
      await provider.execute({ userId: 'alice', toolName: 'proto', input: { constructor: 'x' } }),
      'tool_error',
    );
    expect(wrong.error.kind).toBe('invalid_input');
    const input = { constructor: 2, toString: 'y' };
    expectStatus(await provider.execute({ userId: 'alice', toolName: 'proto', input }), 'success');
  });
});

describe('McpToolProvider: bounded results and calls', () => {
  it('answers result_too_large for a result over maxResultBytes', async () => {
    const server = await McpHttpFixture.start({ tokens: TOKENS });
    server.registry.extraDefinitions.push({
      name: 'huge',
      inputSchema: { type: 'object', properties: { bytes: { type: 'integer' } } },
      annotations: { readOnlyHint: true, idempotentHint: true },
    });
    const { provider } = await setup({ maxResultBytes: 10_000, readOnlyResultTtlMs: 60_000 }, server);
    const small = expectStatus(
      await provider.execute({ userId: 'alice', toolName: 'huge', input: { bytes: 1_000 } }),
      'success',
    );
    expect(small.output).toHaveLength(1_000);
    const big = expectStatus(
      await provider.execute({ userId: 'alice', toolName: 'huge', input: { bytes: 50_000 } }),
      'tool_error',
    );
    expect(big.error).toMatchObject({ kind: 'upstream', providerKind: 'result_too_large', canRetry: false });
    expect(JSON.stringify(big).length).toBeLessThan(2_000);
  });

  it('stops a call that reports progress forever when onProgress is set (default total timeout)', async () => {
    const server = await McpHttpFixture.start({ tokens: TOKENS });
    server.registry.extraTools.push('progress_forever');
    const progress: McpProgress[] = [];
    const { provider } = await setup(
      { requestTimeoutMs: 100, onProgress: (item) => progress.push(item) },
      server,
    );
    const result = expectStatus(
      await provider.execute({ userId: 'alice', toolName: 'progress_forever', input: {} }),
      'tool_error',
    );
    expect(result.error.kind).toBe('unavailable');
    // More progress reports than one request timeout allows: only the total timeout stopped it.
    expect(progress.length).toBeGreaterThan(5);
    await waitUntil(() => server.registry.cancelled.length > 0);
  });
});

describe('McpToolProvider: options', () => {
  it('rejects a transport URL that is not http(s)', () => {
    for (const url of ['file:///etc/passwd', 'data:text/plain,x', 'ftp://example.com/mcp']) {
      expect(() => new McpToolProvider({ transport: { type: 'http', url } })).toThrow(InvalidOptionsError);
    }
    expect(
      () => new McpToolProvider({ transport: { type: 'http', url: 'https://mcp.example.com/mcp' } }),
    ).not.toThrow();
  });
});

describe('McpToolProvider: a full session pool', () => {
  it('a new user waits for a free session instead of failing; the wait is bounded', async () => {
    const users = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'];
    const { provider, server } = await setup({
      maxSessions: 2,
      credentials: ({ userId }) => ({ bearerToken: `tok-${userId}` }),
    });
    for (const user of users) server.addToken(`tok-${user}`, user);
    const results = await Promise.all(
      users.map((user) =>
        provider.execute({ userId: user, toolName: 'whoami', input: { expectedUser: user } }),
      ),
    );
    expect(results.map((result) => result.status)).toEqual(users.map(() => 'success'));
    expect(server.registry.crossUserCalls).toBe(0);
    expect(provider.sessionCount).toBeLessThanOrEqual(2);

    // Every session busy (two slow calls) and no wait allowed: unavailable at once.
    const { provider: busy } = await setup({ maxSessions: 2, maxSessionWaitMs: 0 }, server);
    const controller = new AbortController();
    const slow = ['alice', 'bob'].map((user) =>
      busy
        .execute({ userId: user, toolName: 'slow', input: {}, signal: controller.signal })
        .catch(() => undefined),
    );
    await waitUntil(() => server.registry.calls.filter((call) => call.tool === 'slow').length === 2);
    const refused = expectStatus(
      await busy.execute({ userId: 'carol', toolName: 'whoami', input: {} }),
      'tool_error',
    );
    expect(refused.error).toMatchObject({ kind: 'unavailable', providerKind: 'session_unavailable' });
    controller.abort();
    await Promise.all(slow);
  });
});
