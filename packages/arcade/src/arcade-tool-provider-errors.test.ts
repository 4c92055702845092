import { afterEach, describe, expect, it } from 'vitest';
import { TristackError } from '@tristack/core';
import type { ToolResult } from '@tristack/core';
import { FakeArcadeServer } from '@tristack/testing/fake-arcade';
import { ArcadeToolProvider } from './arcade-tool-provider.js';
import type { ArcadeToolProviderOptions } from './arcade-tool-provider-options.js';

// Error mapping and retry safety, with the real client against the fake engine's faults.
const servers: FakeArcadeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function setup(options: Partial<ArcadeToolProviderOptions> = {}) {
  const server = await FakeArcadeServer.start();
  servers.push(server);
  const provider = new ArcadeToolProvider({
    ...server.clientOptions,
    toolkits: ['Github', 'Gmail', 'Math', 'Web'],
    logLevel: 'off',
    ...options,
  });
  return { server, provider };
}

function toolError(result: ToolResult) {
  expect(result.status, JSON.stringify(result)).toBe('tool_error');
  return (result as Extract<ToolResult, { status: 'tool_error' }>).error;
}

const ISSUE = { owner: 'acme', repo: 'app', title: 'Bug' };
const ADD = { a: 1, b: 2 };
/** Makes the client's retry back-off short (it honours `retry-after-ms`). */
const FAST_RETRY = { 'retry-after-ms': '5' };

/** Grants GitHub to alice through the provider, as a user would. */
async function authorizeGithub(server: FakeArcadeServer, provider: ArcadeToolProvider) {
  const first = await provider.execute({ userId: 'alice', toolName: 'Github_CreateIssue', input: ISSUE });
  if (first.status !== 'authorization_required')
    throw new Error(`expected authorization, got ${first.status}`);
  await server.visit(first.authorization.url);
}

describe('ArcadeToolProvider: error mapping', () => {
  it('maps tool errors (HTTP 200, success:false) with kind, retry hints and prompt content', async () => {
    const { server, provider } = await setup();
    server.scriptToolOutcome('Math.Add', {
      error: {
        kind: 'TOOL_RUNTIME_RETRY',
        message: 'numbers too large',
        can_retry: true,
        additional_prompt_content: 'Use numbers below 1000.',
        developer_message: 'overflow in adder',
      },
    });
    expect(toolError(await provider.execute({ userId: 'alice', toolName: 'Math_Add', input: ADD }))).toEqual({
      kind: 'retry',
      message: 'numbers too large',
      canRetry: true,
      additionalPromptContent: 'Use numbers below 1000.',
      developerMessage: 'overflow in adder',
      providerKind: 'TOOL_RUNTIME_RETRY',
    });
    server.scriptToolOutcome('Math.Add', {
      error: { kind: 'TOOL_RUNTIME_CONTEXT_REQUIRED', message: 'which currency?', can_retry: false },
    });
    expect(
      toolError(await provider.execute({ userId: 'alice', toolName: 'Math_Add', input: ADD })).kind,
    ).toBe('context_required');
    server.scriptToolOutcome('Math.Add', {
      error: { kind: 'UPSTREAM_RUNTIME_NOT_FOUND', message: 'gone', can_retry: false, status_code: 404 },
    });
    expect(
      toolError(await provider.execute({ userId: 'alice', toolName: 'Math_Add', input: ADD })),
    ).toMatchObject({
      kind: 'upstream',
      statusCode: 404,
    });
  });

  it('invalid model arguments are invalid_input before any HTTP call; the engine’s own check maps the same', async () => {
    const { server, provider } = await setup();
    const local = toolError(
      await provider.execute({ userId: 'alice', toolName: 'Math_Add', input: { a: 'one', b: 2 } }),
    );
    expect(local).toMatchObject({ kind: 'invalid_input', canRetry: true });
    expect(local.message).toContain('a: Invalid input: expected number');
    expect(server.requestsTo('/v1/tools/execute')).toHaveLength(0);
    server.scriptToolOutcome('Math.Add', {
      error: { kind: 'TOOL_RUNTIME_BAD_INPUT_VALUE', message: 'b must be positive', can_retry: false },
    });
    expect(
      toolError(await provider.execute({ userId: 'alice', toolName: 'Math_Add', input: ADD })).kind,
    ).toBe('invalid_input');
  });

  it('a missing secret is fatal; a runtime request for more scopes is authorization_required', async () => {
    const { server, provider } = await setup();
    server.setSecret('FIRECRAWL_API_KEY', false);
    expect(
      toolError(
        await provider.execute({
          userId: 'alice',
          toolName: 'Web_ScrapeUrl',
          input: { url: 'https://example.com' },
        }),
      ),
    ).toMatchObject({ kind: 'fatal', providerKind: 'TOOL_REQUIREMENTS_NOT_MET' });
    await authorizeGithub(server, provider);
    server.scriptToolOutcome('Github.CreateIssue', { authorization: { scopes: ['admin:org'] } });
    const result = await provider.execute({ userId: 'alice', toolName: 'Github_CreateIssue', input: ISSUE });
    expect(result).toMatchObject({
      status: 'authorization_required',
      authorization: { providerId: 'github', scopes: ['admin:org', 'repo'], reason: 'not_authorized' },
    });
  });

  it('maps HTTP failures: 429 with retry-after, 401, unexpected bodies', async () => {
    const { server, provider } = await setup({ maxRetries: 0 });
    server.injectFault({ path: '/v1/tools/execute', fault: { type: 'rate_limit', retryAfterSeconds: 7 } });
    expect(
      toolError(await provider.execute({ userId: 'alice', toolName: 'Math_Add', input: ADD })),
    ).toMatchObject({
      kind: 'rate_limited',
      canRetry: true,
      retryAfterMs: 7000,
      statusCode: 429,
    });
    server.injectFault({ path: '/v1/tools/execute', fault: { type: 'non_json' } });
    expect(
      toolError(await provider.execute({ userId: 'alice', toolName: 'Math_Add', input: ADD })).kind,
    ).toBe('unknown');

    const wrongKey = new ArcadeToolProvider({
      apiKey: 'wrong',
      baseURL: server.url,
      toolkits: ['Math'],
      logLevel: 'off',
    });
    await expect(wrongKey.listTools({ userId: 'alice' })).rejects.toSatisfy((error) =>
      TristackError.hasCode(error, 'BACKEND_UNAVAILABLE'),
    );
    const misconfigured = toolError(
      await wrongKey.execute({ userId: 'alice', toolName: 'Math_Add', input: ADD }),
    );
    expect(misconfigured).toMatchObject({ kind: 'unavailable' });
    expect(misconfigured.developerMessage).toContain('401');
  });

  it('an abort signal throws ABORTED instead of returning a result', async () => {
    const { server, provider } = await setup();
    server.injectFault({ path: '/v1/tools/execute', fault: { type: 'latency', ms: 5_000 } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await expect(
      provider.execute({ userId: 'alice', toolName: 'Math_Add', input: ADD, signal: controller.signal }),
    ).rejects.toSatisfy((error) => TristackError.hasCode(error, 'ABORTED'));
  });
});

describe('ArcadeToolProvider: retries never duplicate side effects', () => {
  it('does not retry a non-idempotent tool on 5xx: one request, outcome reported as unknown', async () => {
    const { server, provider } = await setup();
    await authorizeGithub(server, provider);
    server.injectFault({
      method: 'POST',
      path: '/v1/tools/execute',
      times: 3,
      fault: { type: 'status', status: 503 },
    });
    const error = toolError(
      await provider.execute({ userId: 'alice', toolName: 'Github_CreateIssue', input: ISSUE }),
    );
    expect(error).toMatchObject({ kind: 'unavailable', canRetry: false, statusCode: 503 });
    expect(error.message).toContain('may or may not have run');
    expect(server.requestsTo('/v1/tools/execute').map((request) => request.status)).toEqual([503]);
    expect(server.executions).toHaveLength(0);
  });

  it('does not retry a non-idempotent tool after a dropped connection', async () => {
    const { server, provider } = await setup();
    await authorizeGithub(server, provider);
    const before = server.requestsTo('/v1/tools/execute').length;
    server.injectFault({ method: 'POST', path: '/v1/tools/execute', times: 3, fault: { type: 'drop' } });
    const error = toolError(
      await provider.execute({ userId: 'alice', toolName: 'Github_CreateIssue', input: ISSUE }),
    );
    expect(error).toMatchObject({ kind: 'unavailable', canRetry: false, providerKind: 'connection' });
    expect(server.requestsTo('/v1/tools/execute')).toHaveLength(before + 1);
  });

  it('retries an idempotent tool on 5xx, and a keyed call with the same Idempotency-Key', async () => {
    const { server, provider } = await setup();
    server.injectFault({
      method: 'POST',
      path: '/v1/tools/execute',
      fault: { type: 'status', status: 502, headers: FAST_RETRY },
    });
    const result = await provider.execute({ userId: 'alice', toolName: 'Math_Add', input: ADD });
    expect(result).toMatchObject({ status: 'success', output: 3 });
    expect(server.requestsTo('/v1/tools/execute').map((request) => request.status)).toEqual([502, 200]);

    await authorizeGithub(server, provider);
    server.injectFault({
      method: 'POST',
      path: '/v1/tools/execute',
      fault: { type: 'status', status: 500, headers: FAST_RETRY },
    });
    const keyed = await provider.execute({
      userId: 'alice',
      toolName: 'Github_CreateIssue',
      input: ISSUE,
      idempotencyKey: 'issue-42',
    });
    expect(keyed.status).toBe('success');
    const attempts = server.requestsTo('/v1/tools/execute').slice(-2);
    expect(attempts.map((request) => [request.status, request.headers['idempotency-key']])).toEqual([
      [500, 'issue-42'],
      [200, 'issue-42'],
    ]);
    expect(server.executions.map((execution) => execution.idempotencyKey).at(-1)).toBe('issue-42');
  });

  it('honours can_retry and retry_after_ms: idempotent calls wait and retry, others return the hint', async () => {
    const { server, provider } = await setup({ maxRetryDelayMs: 1_000 });
    const rateLimited = {
      error: {
        kind: 'UPSTREAM_RUNTIME_RATE_LIMIT' as const,
        message: 'slow down',
        can_retry: true,
        retry_after_ms: 20,
      },
    };
    server.scriptToolOutcome('Math.Add', rateLimited);
    const retried = await provider.execute({ userId: 'alice', toolName: 'Math_Add', input: ADD });
    expect(retried).toMatchObject({ status: 'success', output: 3 });
    expect(server.executions).toHaveLength(2);

    server.scriptToolOutcome('Math.Add', {
      ...rateLimited,
      error: { ...rateLimited.error, retry_after_ms: 60_000 },
    });
    expect(
      toolError(await provider.execute({ userId: 'alice', toolName: 'Math_Add', input: ADD })),
    ).toMatchObject({
      kind: 'rate_limited',
      retryAfterMs: 60_000,
    });
    server.scriptToolOutcome('Math.Add', {
      ...rateLimited,
      error: { ...rateLimited.error, can_retry: false },
    });
    expect(
      toolError(await provider.execute({ userId: 'alice', toolName: 'Math_Add', input: ADD })).canRetry,
    ).toBe(false);
    expect(server.executions).toHaveLength(4);

    await authorizeGithub(server, provider);
    server.scriptToolOutcome('Github.CreateIssue', rateLimited);
    expect(
      toolError(await provider.execute({ userId: 'alice', toolName: 'Github_CreateIssue', input: ISSUE })),
    ).toMatchObject({
      kind: 'rate_limited',
      canRetry: true,
      retryAfterMs: 20,
    });
    expect(server.executions.filter((execution) => execution.toolName === 'Github.CreateIssue')).toHaveLength(
      1,
    );
  });
});
