import { afterEach, describe, expect, it } from 'vitest';
import { AbortedError, InvalidInputError, InvalidOptionsError, type ToolResult } from '@tristack/core';
import { McpHttpFixture } from './mcp-http-server.fixture.js';
import { McpToolProvider } from './mcp-tool-provider.js';
import type { McpProgress } from './mcp-progress.js';
import type { McpToolProviderOptions } from './mcp-tool-provider-options.js';

// Listing, results, errors, progress, cancellation and timeouts against a real Streamable HTTP
// MCP server (the SDK's server side) on 127.0.0.1.
const TOKENS = { 'tok-alice-9f2c41d7': 'alice', 'tok-bob-0b7a55e2': 'bob' };
const tokenOf = (user: string) => Object.entries(TOKENS).find(([, owner]) => owner === user)?.[0];

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function setup(options: Partial<McpToolProviderOptions> = {}) {
  const server = await McpHttpFixture.start({ tokens: TOKENS });
  const provider = new McpToolProvider({
    name: 'notes',
    transport: { type: 'http', url: server.url },
    credentials: ({ userId }) => ({ bearerToken: tokenOf(userId) ?? 'nobody' }),
    ...options,
  });
  cleanups.push(async () => {
    await provider.close();
    await server.close();
  });
  return { server, provider };
}

function expectStatus<S extends ToolResult['status']>(result: ToolResult, status: S) {
  expect(result.status, JSON.stringify(result)).toBe(status);
  return result as Extract<ToolResult, { status: S }>;
}

describe('McpToolProvider: listing', () => {
  it('reads every page and maps annotations, schemas and names', async () => {
    const { provider, server } = await setup({ toolNamePrefix: 'notes' });
    const tools = await provider.listTools({ userId: 'alice' });
    // The server serves 3 tools a page: 9 tools means every page was read.
    expect(tools.map((tool) => tool.name)).toEqual([
      'notes_whoami',
      'notes_rich',
      'notes_fail',
      'notes_crash',
      'notes_progress',
      'notes_slow',
      'notes_counter',
      'notes_delete_record',
      'notes_append_note',
    ]);
    const byName = Object.fromEntries(tools.map((tool) => [tool.qualifiedName, tool]));
    expect(byName.whoami).toMatchObject({
      provider: 'notes',
      toolkit: 'notes',
      behavior: { readOnly: true, destructive: false, idempotent: true, openWorld: true },
      requiresApproval: false,
    });
    // MCP's defaults: a tool not declared read-only is destructive unless it says otherwise.
    expect(byName.delete_record!.behavior).toMatchObject({ readOnly: false, destructive: true });
    expect(byName.delete_record!.requiresApproval).toBe(true);
    expect(byName.append_note!.behavior).toMatchObject({
      readOnly: false,
      destructive: false,
      idempotent: false,
    });
    expect(byName.append_note!.requiresApproval).toBe(false);

    const schema = byName.append_note!.inputZodSchema;
    expect(schema.parse({ note: 'hi', tags: ['a'], priority: null, extra: 1 })).toEqual({
      note: 'hi',
      tags: ['a'],
      priority: null,
    });
    expect(schema.safeParse({ note: 'hi', tags: ['c'] }).success).toBe(false);
    expect(schema.safeParse({ tags: ['a'] }).success).toBe(false);
    expect(byName.delete_record!.inputZodSchema.parse({ id: '1', reason: null })).toEqual({ id: '1' });

    // Cached: a second listing sends no tools/list.
    const before = server.seen.length;
    await provider.listTools({ userId: 'alice' });
    expect(server.seen.length).toBe(before);
  });

  it('notifications/tools/list_changed drops the user’s listing at once', async () => {
    let changed!: () => void;
    const notified = new Promise<void>((resolve) => (changed = resolve));
    const { provider, server } = await setup({ onToolListChanged: () => changed() });
    expect((await provider.listTools({ userId: 'alice' })).map((tool) => tool.name)).not.toContain(
      'late_tool',
    );
    await server.registry.addTool('late_tool');
    await notified;
    const tools = await provider.listTools({ userId: 'alice' });
    expect(tools.map((tool) => tool.name)).toContain('late_tool');
    expect(await provider.execute({ userId: 'alice', toolName: 'late_tool' })).toMatchObject({
      status: 'success',
      output: 'late_tool ran',
    });
  });

  it('rejects bad options and requests with typed errors; a down server is BackendUnavailableError', async () => {
    expect(() => new McpToolProvider({ transport: { type: 'http', url: 'not a url' } })).toThrow(
      InvalidOptionsError,
    );
    expect(
      () => new McpToolProvider({ transport: { type: 'stdio', command: 'x' }, toolNamePrefix: 'bad prefix' }),
    ).toThrow(InvalidOptionsError);
    const { provider } = await setup();
    await expect(provider.execute({ userId: '', toolName: 'whoami' })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    await expect(
      provider.execute({ userId: 'alice', toolName: 'whoami', trustedInput: { notDeclared: 1 } }),
    ).rejects.toBeInstanceOf(InvalidInputError);
    const down = new McpToolProvider({ transport: { type: 'http', url: 'http://127.0.0.1:9/mcp' } });
    cleanups.push(() => down.close());
    await expect(down.listTools({ userId: 'alice' })).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    expect(await down.execute({ userId: 'alice', toolName: 'whoami' })).toMatchObject({
      status: 'tool_error',
      error: { kind: 'unavailable', canRetry: true },
    });
  });
});

describe('McpToolProvider: calls', () => {
  it('maps text, image, resource links, embedded resources and structured content', async () => {
    const { provider } = await setup();
    const rich = expectStatus(await provider.execute({ userId: 'alice', toolName: 'rich' }), 'success');
    expect(rich.output).toEqual({
      content: [
        { type: 'text', text: 'a chart' },
        { type: 'image', mimeType: 'image/png', data: 'iVBORw0KGgo=' },
        { type: 'resource_link', uri: 'file:///report.csv', name: 'report', mimeType: 'text/csv' },
        { type: 'resource', uri: 'memo://1', mimeType: 'text/plain', text: 'memo' },
      ],
      structuredContent: { rows: 2 },
    });
    expect(rich).toMatchObject({
      provider: 'notes',
      toolName: 'rich',
      authorizationStatus: 'not_required',
      executionId: expect.any(String),
      durationMs: expect.any(Number),
    });
    // Text only → the text itself; nulls for optional parameters are dropped, trusted input wins.
    const progress = expectStatus(
      await provider.execute({ userId: 'alice', toolName: 'progress', input: { steps: 1 } }),
      'success',
    );
    expect(progress.output).toBe('done');
    const note = expectStatus(
      await provider.execute({
        userId: 'alice',
        toolName: 'append_note',
        input: { note: 'from model', tags: null },
        trustedInput: { note: 'from app' },
      }),
      'success',
    );
    expect((note.output as { structuredContent: unknown }).structuredContent).toEqual({
      received: { note: 'from app' },
    });
    const invalid = expectStatus(
      await provider.execute({ userId: 'alice', toolName: 'append_note', input: { tags: ['zzz'] } }),
      'tool_error',
    );
    expect(invalid.error).toMatchObject({ kind: 'invalid_input', canRetry: true });
  });

  it('isError results are tool errors the model sees; protocol errors map to the core error kinds; no token leaks', async () => {
    const { provider, server } = await setup();
    const failed = expectStatus(await provider.execute({ userId: 'alice', toolName: 'fail' }), 'tool_error');
    expect(failed.error).toMatchObject({ kind: 'upstream', canRetry: false, providerKind: 'tool_error' });
    expect(failed.executionId).toEqual(expect.any(String));
    expect(failed.error.message).toContain('quota exceeded for credential');
    const crashed = expectStatus(
      await provider.execute({ userId: 'alice', toolName: 'crash' }),
      'tool_error',
    );
    expect(crashed.error).toMatchObject({ kind: 'fatal', canRetry: false, providerKind: 'mcp_-32603' });
    expect(crashed.executionId).toBeUndefined();
    // The server echoed the bearer token in both: it is scrubbed everywhere.
    expect(server.registry.calls.map((call) => call.tool)).toEqual(['fail', 'crash']);
    expect(JSON.stringify([failed, crashed])).not.toContain(tokenOf('alice'));
    const unknown = expectStatus(await provider.execute({ userId: 'alice', toolName: 'nope' }), 'tool_error');
    expect(unknown.error.kind).toBe('not_found');
  });

  it('surfaces progress notifications through onProgress', async () => {
    const progress: McpProgress[] = [];
    const { provider } = await setup({ onProgress: (event) => progress.push(event) });
    await provider.execute({ userId: 'alice', tenantId: 'acme', toolName: 'progress', input: { steps: 3 } });
    expect(progress).toEqual(
      [1, 2, 3].map((step) => ({
        userId: 'alice',
        tenantId: 'acme',
        toolName: 'progress',
        progress: step,
        total: 3,
        message: `step ${step}`,
      })),
    );
  });

  it('an abort cancels the call on the server (notifications/cancelled) and throws AbortedError', async () => {
    const { provider, server } = await setup();
    const controller = new AbortController();
    const running = provider.execute({ userId: 'alice', toolName: 'slow', signal: controller.signal });
    await expect.poll(() => server.registry.calls.length).toBe(1);
    controller.abort();
    await expect(running).rejects.toBeInstanceOf(AbortedError);
    await expect.poll(() => server.registry.cancelled).toEqual(['alice']);
    // The session survives a cancelled call.
    expect(await provider.execute({ userId: 'alice', toolName: 'whoami', input: {} })).toMatchObject({
      status: 'success',
    });
  });

  it('a call with no answer past requestTimeoutMs is cancelled and answers unavailable', async () => {
    const { provider, server } = await setup({ requestTimeoutMs: 300 });
    const result = expectStatus(await provider.execute({ userId: 'alice', toolName: 'slow' }), 'tool_error');
    expect(result.error).toMatchObject({ kind: 'unavailable', providerKind: 'timeout', canRetry: true });
    await expect.poll(() => server.registry.cancelled).toEqual(['alice']);
  });

  it('caches read-only idempotent results per user when asked to, never across users', async () => {
    const { provider, server } = await setup({ readOnlyResultTtlMs: 60_000 });
    const count = async (userId: string, label = 'x') =>
      expectStatus(await provider.execute({ userId, toolName: 'counter', input: { label } }), 'success')
        .output;
    expect(await count('alice')).toBe('alice:1');
    expect(await count('alice')).toBe('alice:1');
    expect(await count('bob')).toBe('bob:1');
    expect(await count('alice', 'other')).toBe('alice:2');
    expect(server.registry.calls.filter((call) => call.tool === 'counter')).toHaveLength(3);
    // Not idempotent: never cached.
    await provider.execute({ userId: 'alice', toolName: 'append_note', input: { note: 'a' } });
    await provider.execute({ userId: 'alice', toolName: 'append_note', input: { note: 'a' } });
    expect(server.registry.calls.filter((call) => call.tool === 'append_note')).toHaveLength(2);
  });
});
