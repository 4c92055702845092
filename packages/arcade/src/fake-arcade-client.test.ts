import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Arcade, InternalServerError, PermissionDeniedError, RateLimitError } from '@arcadeai/arcadejs';
import { FakeArcadeServer } from '@tristack/testing/fake-arcade';

// The fake must be faithful to what the real @arcadeai/arcadejs client does with it: these
// tests drive the unchanged client against it and check the behaviours the reference note
// verified against the client.
let server: FakeArcadeServer;
let client: Arcade;

beforeEach(async () => {
  server = await FakeArcadeServer.start();
  client = new Arcade({ ...server.clientOptions, logLevel: 'off' });
});
afterEach(() => server.close());

describe('the real Arcade client against FakeArcadeServer', () => {
  it('sends the raw API key and stainless headers', async () => {
    await client.health.check();
    await client.tools.list({ limit: 1 });
    const [request] = server.requestsTo('/v1/tools');
    expect(request!.headers.authorization).toBe(server.apiKey);
    expect(request!.headers['x-stainless-lang']).toBe('js');
    expect(request!.headers['idempotency-key']).toBeUndefined();
  });

  it('iterates every page of /v1/tools with limit and offset', async () => {
    const names: string[] = [];
    for await (const tool of client.tools.list({ toolkit: 'Github', limit: 2 }))
      names.push(tool.qualified_name);
    expect(names).toEqual(['Github.CreateIssue', 'Github.ListPullRequests', 'Github.SetStarred']);
    expect(server.requestsTo('/v1/tools').map((request) => request.query.offset)).toEqual([undefined, '2']);
  });

  it('gets a pinned version and comma-joined formats', async () => {
    const tool = await client.tools.get('Github.CreateIssue@0.1.10', {
      include_format: ['openai', 'anthropic'],
    });
    expect(tool.toolkit.version).toBe('0.1.10');
    expect(Object.keys(tool.formatted_schema ?? {})).toEqual(['openai', 'anthropic']);
    const formatted = await client.tools.formatted.get('Math.Add', { format: 'anthropic' });
    expect(formatted).toMatchObject({ name: 'Math_Add' });
  });

  it('turns the unauthorized 403 into PermissionDeniedError with the message /lib recognises', async () => {
    const error = await client.tools
      .execute({ tool_name: 'Gmail.ListEmails', user_id: 'alice', input: {} })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect((error as PermissionDeniedError).status).toBe(403);
    expect((error as Error).message).toBe('403 authorization required');
    expect((error as Error).name).toBe('Error');
  });

  it('completes auth.start + waitForCompletion once the consent URL is visited', async () => {
    const started = await client.auth.start('alice', 'github', { scopes: ['repo'] });
    expect(started.status).toBe('pending');
    const waiting = client.auth.waitForCompletion(started);
    setTimeout(() => void server.visit(started.url!), 30);
    const completed = await waiting;
    expect(completed.status).toBe('completed');
    expect(server.requestsTo('/v1/auth/status')[0]!.query.wait).toBe('45');
    const executed = await client.tools.execute({
      tool_name: 'Github.SetStarred',
      user_id: 'alice',
      input: { owner: 'o', name: 'r', starred: true },
    });
    expect(executed.success).toBe(true);
  });

  it('retries a 429 honouring retry-after-ms and keeps the idempotency key across retries', async () => {
    server.injectFault({
      path: '/v1/tools/execute',
      times: 2,
      fault: { type: 'rate_limit', retryAfterMs: 5 },
    });
    const response = await client.tools.execute({ tool_name: 'Math.Add', input: { a: 1, b: 2 } });
    expect(response.output?.value).toBe(3);
    const attempts = server.requestsTo('/v1/tools/execute');
    expect(attempts.map((request) => request.headers['x-stainless-retry-count'])).toEqual(['0', '1', '2']);
    expect(new Set(attempts.map((request) => request.headers['idempotency-key'])).size).toBe(1);
    server.injectFault({
      path: '/v1/tools/execute',
      times: 3,
      fault: { type: 'rate_limit', retryAfterMs: 1 },
    });
    await expect(
      client.tools.execute({ tool_name: 'Math.Add', input: { a: 1, b: 2 } }),
    ).rejects.toBeInstanceOf(RateLimitError);
  });

  it('surfaces an unhealthy engine as InternalServerError after the client retries', async () => {
    server.setHealthy(false, 'maintenance');
    await expect(client.withOptions({ maxRetries: 1 }).health.check()).rejects.toBeInstanceOf(
      InternalServerError,
    );
    expect(server.requestsTo('/v1/health')).toHaveLength(2);
  });

  it('lists and deletes user connections through the admin API', async () => {
    const started = await client.auth.start('alice', 'slack', { scopes: ['chat:write'] });
    server.grantConsent(started.id!);
    const connections = [];
    for await (const connection of client.admin.userConnections.list({ user_id: 'alice' }))
      connections.push(connection);
    expect(connections).toEqual([expect.objectContaining({ provider_id: 'slack', scopes: ['chat:write'] })]);
    expect(await client.admin.userConnections.delete(connections[0]!.id!)).toBeNull();
    await expect(
      client.tools.execute({
        tool_name: 'Slack.SendMessage',
        user_id: 'alice',
        input: { channel_name: 'c', message: 'm' },
      }),
    ).rejects.toBeInstanceOf(PermissionDeniedError);
  });
});
