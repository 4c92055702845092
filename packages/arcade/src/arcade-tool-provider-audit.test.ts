import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import {
  InMemoryAuditLog,
  InMemoryCircuitBreaker,
  InMemoryRateLimiter,
  ManualClock,
  StaticToolPolicy,
  type ToolResult,
} from '@tristack/core';
import { FakeArcadeServer } from '@tristack/testing/fake-arcade';
import { ArcadeToolProvider } from './arcade-tool-provider.js';
import type { ArcadeToolProviderOptions } from './arcade-tool-provider-options.js';

// Audit, rate limits and breakers through the core interfaces (in-memory drivers), and the
// guarantee that no OAuth token ever reaches a log line, a result or the audit store.
const servers: FakeArcadeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function setup(options: Partial<ArcadeToolProviderOptions> = {}) {
  const server = await FakeArcadeServer.start();
  servers.push(server);
  const logs: string[] = [];
  const capture =
    (level: string) =>
    (...args: unknown[]) =>
      void logs.push(`${level} ${args.map((arg) => inspect(arg, { depth: 20 })).join(' ')}`);
  const auditLog = new InMemoryAuditLog();
  const provider = new ArcadeToolProvider({
    ...server.clientOptions,
    toolkits: ['Github', 'Gmail', 'Math'],
    // The most verbose client logging: request and response bodies.
    logLevel: 'debug',
    logger: {
      debug: capture('debug'),
      info: capture('info'),
      warn: capture('warn'),
      error: capture('error'),
    },
    auditLog,
    ...options,
  });
  return { server, provider, logs, auditLog };
}

async function trail(auditLog: InMemoryAuditLog, tenantId = 'default') {
  return (await auditLog.query({ tenantId, limit: 1000 })).events;
}

const ISSUE = { owner: 'acme', repo: 'app', title: 'Bug' };

describe('ArcadeToolProvider: audit', () => {
  it('records the decision, the authorization and the call, with version, execution id and duration', async () => {
    const { server, provider, auditLog } = await setup({
      policy: new StaticToolPolicy({ rules: [{ approval: 'writes' }] }),
    });
    const call = {
      userId: 'alice',
      runId: 'run-7',
      toolCallId: 'call_1',
      toolName: 'Github_CreateIssue',
      input: ISSUE,
    };
    expect((await provider.execute(call)).status).toBe('approval_required');
    const approval = { approvedBy: 'manager-1' };
    const first = await provider.execute({ ...call, approval });
    if (first.status !== 'authorization_required') throw new Error(first.status);
    await server.visit(first.authorization.url);
    const done = await provider.execute({ ...call, approval });
    expect(done.status).toBe('success');

    const events = (await trail(auditLog)).map((event) => ({
      type: event.type,
      userId: event.userId,
      runId: event.runId,
      ...event.data,
    }));
    expect(events.map((event) => event.type)).toEqual([
      'tool.call.requested',
      'tool.call.requested',
      'tool.call.authorized',
      'tool.call.failed',
      'tool.call.requested',
      'tool.call.authorized',
      'tool.call.executed',
    ]);
    expect(events[0]).toMatchObject({
      decision: 'approval_required',
      tool: 'Github.CreateIssue',
      toolVersion: '1.0.0',
      userId: 'alice',
      runId: 'run-7',
    });
    expect(events[1]).toMatchObject({
      decision: 'allowed',
      approvedBy: 'manager-1',
      arguments: ISSUE,
      toolCallId: 'call_1',
    });
    expect(events[2]).toMatchObject({
      authorizationStatus: 'pending',
      authorizationId: first.authorization.id,
      scopes: ['repo'],
    });
    expect(events[3]).toMatchObject({ outcome: 'authorization_required', error: { code: 'not_authorized' } });
    expect(events[5]).toMatchObject({ authorizationStatus: 'completed', scopes: ['repo'] });
    expect(events[6]).toMatchObject({
      outcome: 'success',
      provider: 'arcade',
      toolVersion: '1.0.0',
      executionId: server.executions[0]!.executionId,
      authorizationStatus: 'completed',
      durationMs: expect.any(Number),
    });
    // The consent URL is a secret too: shown to the user, never stored.
    expect(JSON.stringify(events)).not.toContain(first.authorization.url);
    expect((await auditLog.verify()).valid).toBe(true);
  });

  it('records a revocation mid-run and tool errors with the Arcade error kind', async () => {
    const { server, provider, auditLog } = await setup();
    const first = await provider.execute({ userId: 'alice', toolName: 'Github_CreateIssue', input: ISSUE });
    if (first.status !== 'authorization_required') throw new Error(first.status);
    await server.visit(first.authorization.url);
    server.injectFault({
      path: '/v1/tools/execute',
      fault: { type: 'effect', run: () => void server.revoke('alice', 'github') },
    });
    await provider.execute({ userId: 'alice', toolName: 'Github_CreateIssue', input: ISSUE });
    server.scriptToolOutcome('Math.Add', {
      error: { kind: 'TOOL_RUNTIME_FATAL', message: 'boom', can_retry: false },
    });
    await provider.execute({ userId: 'alice', toolName: 'Math_Add', input: { a: 1, b: 2 } });
    const events = (await trail(auditLog)).map((event) => ({ type: event.type, ...event.data }));
    expect(events.slice(3, 6)).toEqual([
      expect.objectContaining({ type: 'tool.call.requested', decision: 'allowed' }),
      expect.objectContaining({
        type: 'tool.call.authorized',
        authorizationStatus: 'pending',
        reason: 'revoked',
      }),
      expect.objectContaining({
        type: 'tool.call.failed',
        outcome: 'authorization_required',
        error: expect.objectContaining({ code: 'revoked' }),
      }),
    ]);
    expect(events.at(-1)).toMatchObject({
      type: 'tool.call.executed',
      outcome: 'error',
      authorizationStatus: 'not_required',
      error: { message: 'boom', code: 'TOOL_RUNTIME_FATAL' },
    });
  });

  it('never lets an OAuth token reach the logs, the results or the audit store', async () => {
    const { server, provider, logs, auditLog } = await setup();
    const results: ToolResult[] = [];
    const run = async (toolName: string, input: Record<string, unknown> = {}) => {
      const result = await provider.execute({ userId: 'alice', toolName, input });
      results.push(result);
      return result;
    };
    const first = await run('Gmail_ListEmails');
    if (first.status !== 'authorization_required') throw new Error(first.status);
    const waiting = provider.waitForAuthorization({
      userId: 'alice',
      authorizationId: first.authorization.id,
      timeoutMs: 5_000,
    });
    setTimeout(() => void server.visit(first.authorization.url), 20);
    const settled = await waiting;
    await run('Gmail_ListEmails'); // preflight answers `completed` with context.token
    server.expireToken('alice', 'google', { refreshable: true });
    await run('Gmail_ListEmails'); // the engine refreshes: a second token
    await run('Github_CreateIssue', ISSUE);

    expect(server.issuedTokens.length).toBeGreaterThanOrEqual(2);
    // The engine did put tokens on the wire: the bridge had something to strip.
    const raw = server.requestsTo('/v1/tools/authorize').filter((request) => request.status === 200);
    expect(raw.length).toBeGreaterThan(0);
    const direct = await fetch(`${server.url}/v1/auth/status?id=${first.authorization.id}`, {
      headers: { authorization: server.apiKey },
    });
    expect(JSON.stringify(await direct.json())).toContain(server.issuedTokens.at(-1));

    expect(logs.some((line) => line.includes('response parsed'))).toBe(true);
    const stored = JSON.stringify(await trail(auditLog));
    const surfaced = JSON.stringify([results, settled]);
    for (const token of server.issuedTokens) {
      expect(logs.join('\n')).not.toContain(token);
      expect(stored).not.toContain(token);
      expect(surfaced).not.toContain(token);
    }
    expect(logs.join('\n')).not.toContain(server.apiKey);
  });
});

describe('ArcadeToolProvider: rate limits and circuit breakers', () => {
  it('limits calls per tool before any HTTP request', async () => {
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
    const { server, provider } = await setup({ rateLimiter, auditLog: undefined, logLevel: 'off' });
    expect(
      (await provider.execute({ userId: 'alice', toolName: 'Math_Add', input: { a: 1, b: 1 } })).status,
    ).toBe('success');
    const limited = await provider.execute({ userId: 'bob', toolName: 'Math_Add', input: { a: 1, b: 1 } });
    expect(limited).toMatchObject({ status: 'tool_error', error: { kind: 'rate_limited', canRetry: true } });
    expect(server.requestsTo('/v1/tools/execute')).toHaveLength(1);
  });

  it('opens the provider breaker after Arcade failures and stops calling it', async () => {
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
      maxRetries: 0,
      auditLog: undefined,
      logLevel: 'off',
    });
    server.injectFault({ path: '/v1/tools/execute', times: 2, fault: { type: 'status', status: 503 } });
    for (let index = 0; index < 2; index++) {
      const failed = await provider.execute({ userId: 'alice', toolName: 'Math_Add', input: { a: 1, b: 1 } });
      expect(failed).toMatchObject({ status: 'tool_error', error: { kind: 'unavailable' } });
    }
    const open = await provider.execute({ userId: 'alice', toolName: 'Gmail_ListEmails' });
    expect(open).toMatchObject({
      status: 'tool_error',
      error: { kind: 'unavailable', providerKind: 'circuit_open:provider=arcade' },
    });
    expect(server.requestsTo('/v1/tools/execute')).toHaveLength(2);
    expect(server.requestsTo('/v1/tools/authorize')).toHaveLength(0);
    clock.advance(10_000);
    expect(
      (await provider.execute({ userId: 'alice', toolName: 'Math_Add', input: { a: 1, b: 1 } })).status,
    ).toBe('success');
  });
});
