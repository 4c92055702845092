import { afterEach, describe, expect, it } from 'vitest';
import {
  InMemoryAuditLog,
  InMemoryCircuitBreaker,
  InMemoryRateLimiter,
  ManualClock,
  StaticToolPolicy,
  type ToolResult,
} from '@tristack/core';
import { McpHttpFixture } from './mcp-http-server.fixture.js';
import { McpToolProvider } from './mcp-tool-provider.js';
import type { McpToolProviderOptions } from './mcp-tool-provider-options.js';

// The ToolGovernance checks the Arcade bridge passes (policy, approvals, rate limits, breakers,
// audit, redaction), run against an MCP server through the core interfaces' in-memory drivers.
const TOKENS = { 'tok-alice-5d1e9a0c': 'alice', 'tok-intern-77b3c2aa': 'intern' };
const tokenOf = (user: string) => Object.entries(TOKENS).find(([, owner]) => owner === user)?.[0];

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function setup(options: Partial<McpToolProviderOptions> = {}) {
  const server = await McpHttpFixture.start({ tokens: TOKENS });
  const auditLog = new InMemoryAuditLog();
  const provider = new McpToolProvider({
    name: 'notes',
    toolkit: 'Notes',
    transport: { type: 'http', url: server.url },
    credentials: ({ userId }) => ({ bearerToken: tokenOf(userId) ?? 'nobody' }),
    auditLog,
    ...options,
  });
  cleanups.push(async () => {
    await provider.close();
    await server.close();
  });
  return { server, provider, auditLog };
}

const calledTools = (server: McpHttpFixture) => server.registry.calls.map((call) => call.tool);

async function trail(auditLog: InMemoryAuditLog, tenantId = 'default') {
  return (await auditLog.query({ tenantId, limit: 1000 })).events.map((event) => ({
    type: event.type,
    userId: event.userId,
    runId: event.runId,
    ...event.data,
  }));
}

function expectStatus<S extends ToolResult['status']>(result: ToolResult, status: S) {
  expect(result.status, JSON.stringify(result)).toBe(status);
  return result as Extract<ToolResult, { status: S }>;
}

describe('McpToolProvider: policy and approvals', () => {
  it('filters listed tools and denies calls by tenant and user allowlists, without calling the server', async () => {
    const policy = new StaticToolPolicy({
      rules: [
        { tenantId: 'acme', allowToolkits: ['Notes'], denyTools: ['crash'] },
        { tenantId: 'acme', userId: 'intern', allowTools: ['whoami', 'notes.counter', 'counter'] },
      ],
    });
    const { server, provider } = await setup({ policy });
    const names = async (userId: string) =>
      (await provider.listTools({ tenantId: 'acme', userId })).map((tool) => tool.name).sort();
    expect(await names('alice')).not.toContain('crash');
    expect(await names('alice')).toHaveLength(8);
    expect(await names('intern')).toEqual(['counter', 'whoami']);
    expect(await provider.listTools({ tenantId: 'other', userId: 'alice' })).toHaveLength(9);

    const denied = expectStatus(
      await provider.execute({ tenantId: 'acme', userId: 'alice', toolName: 'crash' }),
      'tool_error',
    );
    expect(denied.error).toMatchObject({ kind: 'denied', canRetry: false });
    const intern = expectStatus(
      await provider.execute({
        tenantId: 'acme',
        userId: 'intern',
        toolName: 'append_note',
        input: { note: 'x' },
      }),
      'tool_error',
    );
    expect(intern.error.kind).toBe('denied');
    expect(calledTools(server)).toEqual([]);
  });

  it('destructive tools need approval by default (annotations), writes when policy says so; approved calls run', async () => {
    const { server, provider } = await setup({
      policy: new StaticToolPolicy({ rules: [{ approval: 'writes' }] }),
    });
    const tools = await provider.listTools({ userId: 'alice' });
    const approvals = Object.fromEntries(tools.map((tool) => [tool.name, tool.requiresApproval]));
    expect(approvals).toMatchObject({
      delete_record: true,
      append_note: true,
      whoami: false,
      counter: false,
    });
    const pending = expectStatus(
      await provider.execute({ userId: 'alice', toolName: 'delete_record', input: { id: '7' } }),
      'approval_required',
    );
    expect(pending.approval).toEqual({
      reason: 'policy requires a human to approve calls to delete_record',
      readOnly: false,
      destructive: true,
    });
    expect(calledTools(server)).toEqual([]);
    const done = await provider.execute({
      userId: 'alice',
      toolName: 'delete_record',
      input: { id: '7' },
      approval: { approvedBy: 'manager-1' },
    });
    expect(done).toMatchObject({ status: 'success', output: 'deleted 7' });
    expect(calledTools(server)).toEqual(['delete_record']);
  });

  it('approveDestructive: false leaves approvals to the policy alone', async () => {
    const { provider } = await setup({ approveDestructive: false });
    const result = await provider.execute({ userId: 'alice', toolName: 'delete_record', input: { id: '1' } });
    expect(result.status).toBe('success');
  });

  it('an unknown tool is not_found and reaches no tool', async () => {
    const { server, provider } = await setup();
    const result = expectStatus(
      await provider.execute({ userId: 'alice', toolName: 'Gmail_SendEmail' }),
      'tool_error',
    );
    expect(result.error.kind).toBe('not_found');
    expect(calledTools(server)).toEqual([]);
  });
});

describe('McpToolProvider: audit and redaction', () => {
  it('records the decision, the approval and the call, with execution id and duration', async () => {
    const { server, provider, auditLog } = await setup();
    const call = {
      userId: 'alice',
      runId: 'run-7',
      toolCallId: 'call_1',
      toolName: 'delete_record',
      input: { id: '42' },
    };
    expect((await provider.execute(call)).status).toBe('approval_required');
    const done = await provider.execute({ ...call, approval: { approvedBy: 'manager-1' } });
    await provider.execute({ userId: 'alice', toolName: 'fail' });
    const events = await trail(auditLog);
    expect(events.map((event) => event.type)).toEqual([
      'tool.call.requested',
      'tool.call.requested',
      'tool.call.executed',
      'tool.call.requested',
      'tool.call.executed',
    ]);
    expect(events[0]).toMatchObject({
      decision: 'approval_required',
      tool: 'delete_record',
      userId: 'alice',
      runId: 'run-7',
    });
    expect(events[1]).toMatchObject({
      decision: 'allowed',
      approvedBy: 'manager-1',
      arguments: { id: '42' },
      toolCallId: 'call_1',
    });
    expect(events[2]).toMatchObject({
      outcome: 'success',
      provider: 'notes',
      executionId: done.executionId,
      durationMs: expect.any(Number),
    });
    // isError: the tool ran and failed → `executed` with outcome error, its message scrubbed.
    expect(events[4]).toMatchObject({ outcome: 'error', error: { code: 'tool_error' } });
    expect(calledTools(server)).toEqual(['delete_record', 'fail']);
    expect((await auditLog.verify()).valid).toBe(true);
  });

  it('never lets a credential reach the results or the audit store', async () => {
    const { provider, auditLog } = await setup();
    const results: ToolResult[] = [];
    for (const toolName of ['fail', 'crash', 'whoami'])
      results.push(
        await provider.execute({ userId: 'alice', toolName, input: { apiKey: 'sk-live-abcdef0123456789' } }),
      );
    const stored = JSON.stringify(await trail(auditLog));
    const surfaced = JSON.stringify(results);
    // The server echoed the bearer token into its error texts: scrubbed everywhere.
    expect(surfaced).not.toContain(tokenOf('alice'));
    expect(stored).not.toContain(tokenOf('alice'));
    // Arguments pass through the audit log's redactor.
    expect(stored).not.toContain('sk-live-abcdef0123456789');
  });
});

describe('McpToolProvider: rate limits and circuit breakers', () => {
  it('limits calls per tool before any request reaches the server', async () => {
    const rateLimiter = new InMemoryRateLimiter({
      limits: [
        {
          name: 'per-tool',
          scope: 'tool',
          algorithm: 'fixed-window',
          anchor: 'first-hit',
          limit: 1,
          windowMs: 60_000,
        },
      ],
    });
    const { server, provider } = await setup({ rateLimiter, auditLog: undefined });
    expect((await provider.execute({ userId: 'alice', toolName: 'counter' })).status).toBe('success');
    const limited = await provider.execute({ userId: 'intern', toolName: 'counter' });
    expect(limited).toMatchObject({ status: 'tool_error', error: { kind: 'rate_limited', canRetry: true } });
    expect(calledTools(server)).toEqual(['counter']);
  });

  it('opens the provider breaker after timeouts and stops calling the server', async () => {
    const clock = new ManualClock();
    const circuitBreaker = new InMemoryCircuitBreaker({
      clock,
      consecutiveFailures: 2,
      failureRateThreshold: null,
      openMs: 10_000,
    });
    const { server, provider } = await setup({
      circuitBreaker,
      clock,
      requestTimeoutMs: 200,
      auditLog: undefined,
    });
    for (let index = 0; index < 2; index++) {
      const failed = await provider.execute({ userId: 'alice', toolName: 'slow' });
      expect(failed).toMatchObject({
        status: 'tool_error',
        error: { kind: 'unavailable', providerKind: 'timeout' },
      });
    }
    const open = await provider.execute({ userId: 'alice', toolName: 'whoami' });
    expect(open).toMatchObject({
      status: 'tool_error',
      error: { kind: 'unavailable', providerKind: 'circuit_open:provider=notes' },
    });
    expect(calledTools(server)).toEqual(['slow', 'slow']);
    clock.advance(10_000);
    expect((await provider.execute({ userId: 'alice', toolName: 'whoami' })).status).toBe('success');
  });
});
