// oxlint-disable typescript/no-explicit-any -- the JSON bodies under test come in many shapes
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '@tristack/core';
import { FakeArcadeServer } from './fake-arcade-server.js';

// Wire-level checks with plain fetch: exact paths, headers, status codes and JSON bodies the
// real client relies on. The client-level checks live in @tristack/arcade.
let server: FakeArcadeServer;
let clock: ManualClock;

beforeEach(async () => {
  clock = new ManualClock();
  server = await FakeArcadeServer.start({ clock, tokenTtlMs: 60_000 });
});
afterEach(() => server.close());

async function call(
  method: string,
  path: string,
  options: { body?: unknown; authorization?: string | null } = {},
): Promise<{ status: number; contentType: string | null; body: any; headers: Headers }> {
  const headers: Record<string, string> = {};
  if (options.authorization !== null) headers.authorization = options.authorization ?? server.apiKey;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers,
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    redirect: 'manual',
  });
  const text = await response.text();
  const contentType = response.headers.get('content-type');
  return {
    status: response.status,
    contentType,
    body: contentType?.includes('json') && text ? JSON.parse(text) : text,
    headers: response.headers,
  };
}

describe('FakeArcadeServer wire format', () => {
  it('listens on 127.0.0.1 and answers JSON', async () => {
    expect(new URL(server.url).hostname).toBe('127.0.0.1');
    const health = await call('GET', '/v1/health', { authorization: null });
    expect(health).toMatchObject({ status: 200, contentType: 'application/json', body: { healthy: true } });
  });

  it('accepts the raw key and the Bearer form, and rejects anything else with 401', async () => {
    expect((await call('GET', '/v1/tools')).status).toBe(200);
    expect((await call('GET', '/v1/tools', { authorization: `Bearer ${server.apiKey}` })).status).toBe(200);
    const wrong = await call('GET', '/v1/tools', { authorization: 'Bearer nope' });
    expect(wrong).toMatchObject({ status: 401, body: { name: 'unauthorized', message: 'invalid API key' } });
    expect((await call('GET', '/v1/tools', { authorization: null })).status).toBe(401);
  });

  it('paginates /v1/tools with limit and offset, filters by toolkit case-insensitively', async () => {
    const first = await call('GET', '/v1/tools?toolkit=github&limit=2');
    expect(first.body).toMatchObject({ limit: 2, offset: 0, page_count: 2, total_count: 3 });
    const second = await call('GET', '/v1/tools?toolkit=GITHUB&limit=2&offset=2');
    expect(second.body).toMatchObject({ offset: 2, page_count: 1, total_count: 3 });
    const names = [...first.body.items, ...second.body.items].map((tool: any) => tool.fully_qualified_name);
    expect(names).toEqual([
      'Github.CreateIssue@1.0.0',
      'Github.ListPullRequests@1.0.0',
      'Github.SetStarred@1.0.0',
    ]);
    const all = await call('GET', '/v1/tools?toolkit=Github&include_all_versions=true');
    expect(all.body.total_count).toBe(4);
    const everything = await call('GET', '/v1/tools?limit=500');
    expect(everything.body.limit).toBe(100);
  });

  it('applies the metadata filter', async () => {
    const filter = encodeURIComponent(
      JSON.stringify({ read_only: true, service_domains: { any_of: ['EMAIL'] } }),
    );
    const response = await call('GET', `/v1/tools?filter=${filter}`);
    expect(response.body.items.map((tool: any) => tool.qualified_name)).toEqual(['Gmail.ListEmails']);
  });

  it('resolves dotted, underscore and versioned names; unknown is 404 on GET and 400 on execute', async () => {
    for (const name of ['Github.CreateIssue', 'github_createissue', 'Github.CreateIssue@0.1.10']) {
      const response = await call('GET', `/v1/tools/${name}`);
      expect(response.status).toBe(200);
      expect(response.body.qualified_name).toBe('Github.CreateIssue');
    }
    expect((await call('GET', '/v1/tools/Github.CreateIssue@0.1.10')).body.toolkit.version).toBe('0.1.10');
    expect((await call('GET', '/v1/tools/Nope.Tool')).body).toEqual({
      name: 'tool_not_found',
      message: 'tool definition not found',
    });
    const execute = await call('POST', '/v1/tools/execute', {
      body: { tool_name: 'Nope.Tool', user_id: 'u' },
    });
    expect(execute).toMatchObject({ status: 400, body: { name: 'tool_not_found' } });
  });

  it('fills per-user requirement status and formatted schemas on request', async () => {
    const before = await call(
      'GET',
      '/v1/tools/Gmail.ListEmails?user_id=alice&include_format=openai,anthropic',
    );
    expect(before.body.requirements).toMatchObject({
      met: false,
      authorization: { token_status: 'not_started' },
    });
    expect(before.body.formatted_schema.openai).toMatchObject({
      type: 'function',
      function: { name: 'Gmail_ListEmails', strict: true, parameters: { additionalProperties: false } },
    });
    expect(before.body.formatted_schema.anthropic).toMatchObject({
      name: 'Gmail_ListEmails',
      input_schema: { type: 'object' },
    });
    const plain = await call('GET', '/v1/tools/Gmail.ListEmails');
    expect(plain.body.requirements.authorization.token_status).toBeUndefined();
    const formatted = await call('GET', '/v1/formatted_tools?format=anthropic&toolkit=Math');
    expect(formatted.body.items).toEqual([
      expect.objectContaining({
        name: 'Math_Add',
        input_schema: expect.objectContaining({ required: ['a', 'b'] }),
      }),
    ]);
  });

  it('runs the consent flow: 403, authorize → pending URL, visit, completed with a token, execute succeeds', async () => {
    const body = { tool_name: 'Gmail.ListEmails', user_id: 'alice', input: { n_emails: 1 } };
    const denied = await call('POST', '/v1/tools/execute', { body });
    expect(denied).toMatchObject({
      status: 403,
      body: { name: 'tool_authorization_required', message: 'authorization required' },
    });
    const pending = await call('POST', '/v1/tools/authorize', {
      body: { tool_name: 'Gmail.ListEmails', user_id: 'alice' },
    });
    expect(pending.body).toMatchObject({ status: 'pending', provider_id: 'google', user_id: 'alice' });
    expect(pending.body.context).toBeUndefined();
    expect(pending.body.url).toBe(server.consentUrl(pending.body.id));
    expect(await server.visit(pending.body.url)).toBe(200);
    const status = await call('GET', `/v1/auth/status?id=${pending.body.id}`);
    expect(status.body).toMatchObject({ status: 'completed', context: { token: server.issuedTokens[0] } });
    const executed = await call('POST', '/v1/tools/execute', { body });
    expect(executed).toMatchObject({
      status: 200,
      body: {
        success: true,
        execution_type: 'immediate',
        output: { value: { emails: [{ id: 'seed_1' }] }, logs: [] },
      },
    });
    expect(executed.body.execution_id).toMatch(/^te_/);
  });

  it('isolates users: alice consenting never authorizes bob', async () => {
    const pending = await call('POST', '/v1/tools/authorize', {
      body: { tool_name: 'Slack.ListChannels', user_id: 'alice' },
    });
    server.grantConsent(pending.body.id);
    const bob = await call('POST', '/v1/tools/execute', {
      body: { tool_name: 'Slack.ListChannels', user_id: 'bob', input: {} },
    });
    expect(bob.status).toBe(403);
    const bobAuthorize = await call('POST', '/v1/tools/authorize', {
      body: { tool_name: 'Slack.ListChannels', user_id: 'bob' },
    });
    expect(bobAuthorize.body.status).toBe('pending');
    expect(bobAuthorize.body.id).not.toBe(pending.body.id);
  });

  it('long-polls /v1/auth/status until consent, and answers pending (or 408) when the wait runs out', async () => {
    const pending = await call('POST', '/v1/auth/authorize', {
      body: { user_id: 'alice', auth_requirement: { provider_id: 'github', oauth2: { scopes: ['repo'] } } },
    });
    const polling = call('GET', `/v1/auth/status?id=${pending.body.id}&wait=30`);
    setTimeout(() => server.grantConsent(pending.body.id), 50);
    expect((await polling).body.status).toBe('completed');

    const other = await call('POST', '/v1/auth/authorize', {
      body: { user_id: 'bob', auth_requirement: { provider_id: 'github', oauth2: { scopes: ['repo'] } } },
    });
    expect((await call('GET', `/v1/auth/status?id=${other.body.id}&wait=1`)).body.status).toBe('pending');
    const strict = await FakeArcadeServer.start({ statusWaitExpiry: 'timeout_408' });
    try {
      const response = await fetch(`${strict.url}/v1/auth/authorize`, {
        method: 'POST',
        headers: { authorization: strict.apiKey, 'content-type': 'application/json' },
        body: JSON.stringify({ user_id: 'c', auth_requirement: { provider_id: 'github' } }),
      });
      const { id } = (await response.json()) as { id: string };
      const expired = await fetch(`${strict.url}/v1/auth/status?id=${id}&wait=1`, {
        headers: { authorization: strict.apiKey },
      });
      expect(expired.status).toBe(408);
    } finally {
      await strict.close();
    }
    expect((await call('GET', '/v1/auth/status?id=ac_missing')).status).toBe(404);
  });

  it('a denied consent fails the authorization; a consent page with next_uri redirects (303)', async () => {
    const pending = await call('POST', '/v1/tools/authorize', {
      body: { tool_name: 'Github.SetStarred', user_id: 'alice', next_uri: 'https://app.example/after' },
    });
    const redirect = await fetch(pending.body.url, { redirect: 'manual' });
    expect(redirect.status).toBe(303);
    expect(redirect.headers.get('location')).toBe('https://app.example/after');
    const denied = await call('POST', '/v1/tools/authorize', {
      body: { tool_name: 'Gmail.SendEmail', user_id: 'alice' },
    });
    await server.visit(denied.body.url, 'deny');
    expect(server.authorization(denied.body.id)?.status).toBe('failed');
  });

  it('refreshes an expired token, and needs new consent once the refresh token is dead', async () => {
    const pending = await call('POST', '/v1/tools/authorize', {
      body: { tool_name: 'Math.Add', user_id: 'a' },
    });
    expect(pending.body).toEqual({ status: 'completed', user_id: 'a' });
    const github = await call('POST', '/v1/tools/authorize', {
      body: { tool_name: 'Github.SetStarred', user_id: 'alice' },
    });
    server.grantConsent(github.body.id);
    const token = server.grants()[0]!.token;
    clock.advance(60_001);
    const body = {
      tool_name: 'Github.SetStarred',
      user_id: 'alice',
      input: { owner: 'o', name: 'r', starred: true },
    };
    expect((await call('POST', '/v1/tools/execute', { body })).status).toBe(200);
    expect(server.grants()[0]).toMatchObject({ refreshCount: 1 });
    expect(server.grants()[0]!.token).not.toBe(token);
    server.expireToken('alice', 'github', { refreshable: false });
    expect((await call('POST', '/v1/tools/execute', { body })).status).toBe(403);
    expect(server.grants()).toEqual([]);
  });

  it('lists user connections and revokes one with DELETE (204)', async () => {
    const pending = await call('POST', '/v1/tools/authorize', {
      body: { tool_name: 'Gmail.SendEmail', user_id: 'alice' },
    });
    server.grantConsent(pending.body.id);
    const list = await call('GET', '/v1/admin/user_connections?user_id=alice');
    expect(list.body).toMatchObject({ total_count: 1, items: [{ provider_id: 'google', user_id: 'alice' }] });
    expect(list.body.items[0].scopes).toEqual(['https://www.googleapis.com/auth/gmail.send']);
    const deleted = await call('DELETE', `/v1/admin/user_connections/${list.body.items[0].id}`);
    expect(deleted.status).toBe(204);
    expect((await call('GET', '/v1/admin/user_connections')).body.total_count).toBe(0);
    expect((await call('DELETE', '/v1/admin/user_connections/uc_missing')).status).toBe(404);
  });

  it('answers tool failures as HTTP 200 success:false: bad input, missing secret, scripted errors', async () => {
    const bad = await call('POST', '/v1/tools/execute', {
      body: { tool_name: 'Math.Add', input: { a: 1, b: 'two' }, include_error_stacktrace: true },
    });
    expect(bad).toMatchObject({
      status: 200,
      body: { success: false, output: { error: { kind: 'TOOL_RUNTIME_BAD_INPUT_VALUE', can_retry: false } } },
    });
    expect(bad.body.output.error.stacktrace).toBeDefined();
    server.setSecret('FIRECRAWL_API_KEY', false);
    const secret = await call('POST', '/v1/tools/execute', {
      body: { tool_name: 'Web.ScrapeUrl', input: { url: 'https://example.com' } },
    });
    expect(secret.body.output.error.kind).toBe('TOOL_REQUIREMENTS_NOT_MET');
    server.scriptToolOutcome('Math.Add', {
      error: {
        kind: 'TOOL_RUNTIME_RETRY',
        message: 'try again',
        can_retry: true,
        retry_after_ms: 5,
        additional_prompt_content: 'use integers',
      },
    });
    const scripted = await call('POST', '/v1/tools/execute', {
      body: { tool_name: 'Math.Add', input: { a: 1, b: 2 } },
    });
    expect(scripted.body.output.error).toMatchObject({
      kind: 'TOOL_RUNTIME_RETRY',
      additional_prompt_content: 'use integers',
    });
    const normal = await call('POST', '/v1/tools/execute', {
      body: { tool_name: 'Math.Add', input: { a: 1, b: 2 } },
    });
    expect(normal.body.output.value).toBe(3);
  });

  it('validates nested objects and arrays of objects, and rejects unknown parameters', async () => {
    const execute = (tool: string, input: unknown) =>
      call('POST', '/v1/tools/execute', { body: { tool_name: tool, user_id: 'alice', input } });
    const grant = async (tool: string) => {
      const pending = await call('POST', '/v1/tools/authorize', {
        body: { tool_name: tool, user_id: 'alice' },
      });
      server.grantConsent(pending.body.id);
    };
    await grant('Github.ListPullRequests');
    await grant('Slack.SendMessage');
    const base = { owner: 'o', repo: 'r' };
    expect(
      (await execute('Github.ListPullRequests', { ...base, filters: { labels: ['bug'] } })).body.output.error
        .message,
    ).toContain('filters.author: is required');
    const ok = await execute('Github.ListPullRequests', {
      ...base,
      state: 'all',
      filters: { author: 'octocat', draft: null },
    });
    expect(ok.body.output.value.pull_requests.map((pull: any) => pull.number)).toEqual([1, 3]);
    const blocks = await execute('Slack.SendMessage', {
      channel_name: 'g',
      message: 'm',
      blocks: [{ text: 'x' }],
    });
    expect(blocks.body.output.error.message).toContain('blocks[0].type: is required');
    const extra = await execute('Slack.SendMessage', { channel_name: 'g', message: 'm', admin: true });
    expect(extra.body.output.error.message).toContain('admin: unknown parameter');
  });

  it('records requests and executions with the idempotency key and retry count', async () => {
    await fetch(`${server.url}/v1/tools/execute`, {
      method: 'POST',
      headers: {
        authorization: server.apiKey,
        'content-type': 'application/json',
        'idempotency-key': 'key-1',
        'x-stainless-retry-count': '1',
      },
      body: JSON.stringify({ tool_name: 'Math_Add', input: { a: 2, b: 2 } }),
    });
    expect(server.executions).toEqual([
      expect.objectContaining({
        toolName: 'Math.Add',
        version: '1.0.0',
        idempotencyKey: 'key-1',
        retryCount: 1,
      }),
    ]);
    expect(server.requestsTo('/v1/tools/execute', 'POST')[0]).toMatchObject({
      status: 200,
      body: { tool_name: 'Math_Add' },
    });
  });

  it('injects faults: latency, 5xx, 429 with retry-after, dropped connections, non-JSON, effects', async () => {
    server.injectFault({ path: '/v1/tools', fault: { type: 'status', status: 503 } });
    expect((await call('GET', '/v1/tools')).status).toBe(503);
    expect((await call('GET', '/v1/tools')).status).toBe(200);

    server.injectFault({
      path: '/v1/tools',
      times: 2,
      fault: { type: 'rate_limit', retryAfterSeconds: 3, retryAfterMs: 10 },
    });
    const limited = await call('GET', '/v1/tools');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(limited.headers.get('retry-after-ms')).toBe('10');
    expect((await call('GET', '/v1/tools')).status).toBe(429);
    expect((await call('GET', '/v1/tools')).status).toBe(200);

    server.injectFault({ method: 'GET', path: /^\/v1\/tools/, fault: { type: 'drop' } });
    await expect(call('GET', '/v1/tools')).rejects.toThrow();

    server.injectFault({ path: '/v1/health', fault: { type: 'non_json' } });
    expect((await call('GET', '/v1/health')).contentType).toBe('text/plain');

    let ran = false;
    server.injectFault({ path: '/v1/health', fault: { type: 'effect', run: () => void (ran = true) } });
    server.injectFault({ path: '/v1/health', fault: { type: 'latency', ms: 20 } });
    expect((await call('GET', '/v1/health')).status).toBe(200);
    expect(ran).toBe(true);
    expect(server.requests.filter((request) => request.fault === 'latency')).toHaveLength(0);
    expect((await call('GET', '/v1/health')).status).toBe(200);
    expect(server.requests.at(-1)?.fault).toBe('latency');

    server.setHealthy(false, 'maintenance');
    expect(await call('GET', '/v1/health')).toMatchObject({
      status: 503,
      body: { healthy: false, reason: 'maintenance' },
    });
  });
});
