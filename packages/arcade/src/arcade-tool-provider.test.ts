import { afterEach, describe, expect, it } from 'vitest';
import {
  InvalidInputError,
  InvalidOptionsError,
  ManualClock,
  TristackError,
  CompositeToolProvider,
  defineLocalTool,
  LocalToolProvider,
  StaticToolPolicy,
  type ToolResult,
} from '@tristack/core';
import { z } from 'zod';
import { FakeArcadeServer, type FakeArcadeServerOptions } from '@tristack/testing/fake-arcade';
import { ArcadeToolProvider } from './arcade-tool-provider.js';
import type { ArcadeToolProviderOptions } from './arcade-tool-provider-options.js';

// The bridge with the real @arcadeai/arcadejs client against the faithful fake engine.
const ALL_TOOLKITS = ['Github', 'Gmail', 'Slack', 'Math', 'Web'];
const servers: FakeArcadeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function setup(
  options: Partial<ArcadeToolProviderOptions> = {},
  serverOptions: FakeArcadeServerOptions = {},
) {
  const server = await FakeArcadeServer.start(serverOptions);
  servers.push(server);
  const provider = new ArcadeToolProvider({
    ...server.clientOptions,
    toolkits: ALL_TOOLKITS,
    logLevel: 'off',
    ...options,
  });
  return { server, provider };
}

function expectStatus<Status extends ToolResult['status']>(
  result: ToolResult,
  status: Status,
): Extract<ToolResult, { status: Status }> {
  expect(result.status, JSON.stringify(result)).toBe(status);
  return result as Extract<ToolResult, { status: Status }>;
}

/** Runs the first call (authorization required), visits the consent URL like a user would. */
async function consent(
  server: FakeArcadeServer,
  provider: ArcadeToolProvider,
  userId: string,
  toolName: string,
  input: Record<string, unknown>,
) {
  const first = expectStatus(await provider.execute({ userId, toolName, input }), 'authorization_required');
  expect(await server.visit(first.authorization.url)).toBe(200);
  return first;
}

const ISSUE = { owner: 'acme', repo: 'app', title: 'Bug' };

describe('ArcadeToolProvider: listing and schema conversion', () => {
  it('lists every configured toolkit with model-safe names, requirements and behaviour', async () => {
    const { provider } = await setup();
    const tools = await provider.listTools({ userId: 'alice' });
    expect(tools.map((tool) => tool.name).sort()).toEqual([
      'Github_CreateIssue',
      'Github_ListPullRequests',
      'Github_SetStarred',
      'Gmail_ListEmails',
      'Gmail_SendEmail',
      'Math_Add',
      'Slack_ListChannels',
      'Slack_SendMessage',
      'Web_ScrapeUrl',
    ]);
    const send = tools.find((tool) => tool.name === 'Gmail_SendEmail')!;
    expect(send).toMatchObject({
      qualifiedName: 'Gmail.SendEmail',
      provider: 'arcade',
      toolkit: 'Gmail',
      version: '3.0.0',
      requirements: {
        authorization: {
          providerId: 'google',
          providerType: 'oauth2',
          scopes: ['https://www.googleapis.com/auth/gmail.send'],
        },
      },
      behavior: { readOnly: false, idempotent: false, operations: ['create'] },
      requiresApproval: false,
    });
    expect(tools.find((tool) => tool.name === 'Web_ScrapeUrl')!.requirements).toEqual({
      secrets: [{ key: 'FIRECRAWL_API_KEY' }],
    });
    expect(await provider.listTools({ userId: 'alice', toolkits: ['gmail'] })).toHaveLength(2);
  });

  it('converts nested objects, typed arrays, enums, optional/required, descriptions and nullable faithfully', async () => {
    const { provider } = await setup({ toolkits: ['Github'] });
    const tools = await provider.listTools({ userId: 'alice' });
    const pulls = tools.find((tool) => tool.name === 'Github_ListPullRequests')!;
    expect(pulls.inputJsonSchema).toEqual({
      type: 'object',
      properties: {
        owner: { type: 'string', description: 'The account owner of the repository.' },
        repo: { type: 'string', description: 'The name of the repository.' },
        state: {
          type: 'string',
          enum: ['open', 'closed', 'all'],
          description: 'Only pull requests in this state.',
        },
        filters: {
          type: 'object',
          description: 'Narrow the list further.',
          properties: {
            author: { type: 'string', description: 'Login of the author.' },
            labels: { type: 'array', items: { type: 'string' }, description: 'Every label must match.' },
            draft: { type: ['boolean', 'null'], description: 'Only drafts (true) or non-drafts.' },
          },
          required: ['author'],
          additionalProperties: false,
        },
        per_page: { type: 'integer', description: 'Results per page (max 100).' },
      },
      required: ['owner', 'repo'],
      additionalProperties: false,
    });
    const schema = pulls.inputZodSchema;
    expect(schema.safeParse({ owner: 'o', repo: 'r', filters: { author: 'a', draft: null } }).success).toBe(
      true,
    );
    expect(schema.safeParse({ owner: 'o', repo: 'r', state: 'merged' }).success).toBe(false);
    expect(schema.safeParse({ owner: 'o', repo: 'r', per_page: 1.5 }).success).toBe(false);
    expect(schema.safeParse({ owner: 'o', repo: 'r', filters: { labels: ['x'] } }).success).toBe(false);
    expect(schema.safeParse({ owner: 'o' }).success).toBe(false);
    const issue = tools.find((tool) => tool.name === 'Github_CreateIssue')!;
    expect((issue.inputJsonSchema.properties as Record<string, unknown>).assignees).toEqual({
      type: 'array',
      items: { type: 'string' },
      description: 'Logins for Users to assign to this issue.',
    });
  });

  it('hides non-inferrable parameters from the model and converts arrays of objects and item enums', async () => {
    const { provider } = await setup({ toolkits: ['Slack'] });
    const tools = await provider.listTools({ userId: 'alice' });
    const send = tools.find((tool) => tool.name === 'Slack_SendMessage')!;
    const properties = send.inputJsonSchema.properties as Record<string, unknown>;
    expect(Object.keys(properties)).toEqual(['channel_name', 'message', 'blocks']);
    expect(properties.blocks).toEqual({
      type: 'array',
      description: 'Block Kit blocks.',
      items: {
        type: 'object',
        properties: {
          type: { type: 'string', enum: ['section', 'divider'], description: 'Block type.' },
          text: { type: ['string', 'null'], description: 'Block text (sections only).' },
        },
        required: ['type'],
        additionalProperties: false,
      },
    });
    const channels = tools.find((tool) => tool.name === 'Slack_ListChannels')!;
    expect((channels.inputJsonSchema.properties as Record<string, unknown>).types).toMatchObject({
      type: 'array',
      items: { type: 'string', enum: ['public_channel', 'private_channel'] },
    });
  });

  it('fetches every page and caches definitions for the TTL (no HTTP call per turn)', async () => {
    const clock = new ManualClock();
    const catalogue = Array.from({ length: 130 }, (_, index) => ({
      definition: {
        fully_qualified_name: `Bulk.Tool${index}@1.0.0`,
        qualified_name: `Bulk.Tool${index}`,
        name: `Tool${index}`,
        toolkit: { name: 'Bulk', version: '1.0.0' },
        input: { parameters: [] },
      },
      run: () => index,
    }));
    const { server, provider } = await setup(
      { toolkits: ['Bulk'], clock, definitionTtlMs: 60_000, maxRetries: 0 },
      { catalogue },
    );
    expect(await provider.listTools({ userId: 'alice' })).toHaveLength(130);
    expect(server.requestsTo('/v1/tools').map((request) => request.query.offset ?? '0')).toEqual([
      '0',
      '100',
    ]);
    await provider.listTools({ userId: 'bob' });
    await provider.execute({ userId: 'alice', toolName: 'Bulk_Tool7' });
    expect(server.requestsTo('/v1/tools')).toHaveLength(2);
    clock.advance(60_000);
    // A refresh failure keeps serving the previous catalogue.
    server.injectFault({ path: '/v1/tools', fault: { type: 'status', status: 500 } });
    expect(await provider.listTools({ userId: 'alice' })).toHaveLength(130);
    expect(server.requestsTo('/v1/tools').at(-1)!.status).toBe(500);
    // The next call tries again and succeeds.
    expect(await provider.listTools({ userId: 'alice' })).toHaveLength(130);
    expect(server.requestsTo('/v1/tools').map((request) => request.status)).toEqual([
      200, 200, 500, 200, 200,
    ]);
  });

  it('throws BackendUnavailableError when the catalogue was never loaded and Arcade is down', async () => {
    const { server, provider } = await setup({ maxRetries: 0 });
    server.injectFault({ path: '/v1/tools', times: 10, fault: { type: 'status', status: 503 } });
    await expect(provider.listTools({ userId: 'alice' })).rejects.toSatisfy((error) =>
      TristackError.hasCode(error, 'BACKEND_UNAVAILABLE'),
    );
    const result = expectStatus(
      await provider.execute({ userId: 'alice', toolName: 'Math_Add', input: { a: 1, b: 2 } }),
      'tool_error',
    );
    expect(result.error).toMatchObject({ kind: 'unavailable', canRetry: true });
  });

  it('pins versions per toolkit or per tool, and executes the pinned version', async () => {
    const { server, provider } = await setup({ toolkits: ['Github@0.1.10', 'Math'] });
    const tools = await provider.listTools({ userId: 'alice' });
    expect(tools.map((tool) => `${tool.name}@${tool.version}`).sort()).toEqual([
      'Github_CreateIssue@0.1.10',
      'Math_Add@1.0.0',
    ]);
    const issue = tools.find((tool) => tool.name === 'Github_CreateIssue')!;
    expect(Object.keys(issue.inputJsonSchema.properties as object)).not.toContain('type');
    await consent(server, provider, 'alice', 'Github_CreateIssue', ISSUE);
    expectStatus(
      await provider.execute({ userId: 'alice', toolName: 'Github_CreateIssue', input: ISSUE }),
      'success',
    );
    expect(server.executions.at(-1)).toMatchObject({ toolName: 'Github.CreateIssue', version: '0.1.10' });
    expect(server.requestsTo('/v1/tools/execute').at(-1)!.body).toMatchObject({
      tool_name: 'Github.CreateIssue',
      tool_version: '0.1.10',
    });

    const { provider: pinned } = await setup({ toolkits: ['Github'], tools: ['Github.CreateIssue@0.1.10'] });
    const pinnedTools = await pinned.listTools({ userId: 'alice' });
    expect(pinnedTools.find((tool) => tool.name === 'Github_CreateIssue')!.version).toBe('0.1.10');
    expect(pinnedTools.find((tool) => tool.name === 'Github_SetStarred')!.version).toBe('1.0.0');
  });

  it('rejects bad options and bad requests with typed errors, before any HTTP call', async () => {
    expect(() => new ArcadeToolProvider({ apiKey: 'k', baseURL: 'http://127.0.0.1:1' })).toThrow(
      InvalidOptionsError,
    );
    const previous = process.env.ARCADE_API_KEY;
    delete process.env.ARCADE_API_KEY;
    try {
      expect(() => new ArcadeToolProvider({ toolkits: ['Github'] })).toThrow(InvalidOptionsError);
    } finally {
      if (previous !== undefined) process.env.ARCADE_API_KEY = previous;
    }
    const { server, provider } = await setup();
    await expect(provider.execute({ userId: '', toolName: 'Math_Add' })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    await expect(provider.listTools({ userId: 'a\u0000b' })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(
      provider.execute({
        userId: 'alice',
        toolName: 'Math_Add',
        input: 'nope' as unknown as Record<string, unknown>,
      }),
    ).rejects.toBeInstanceOf(InvalidInputError);
    expect(server.requests).toHaveLength(0);
  });
});

describe('ArcadeToolProvider: authorization', () => {
  it('first call → authorization required (URL, id, scopes) → consent → the call succeeds', async () => {
    const { server, provider } = await setup();
    const first = await consent(server, provider, 'alice', 'Gmail_ListEmails', { n_emails: 2 });
    expect(first).toMatchObject({
      provider: 'arcade',
      toolName: 'Gmail_ListEmails',
      toolVersion: '3.0.0',
      authorizationStatus: 'required',
      authorization: {
        providerId: 'google',
        scopes: ['https://www.googleapis.com/auth/gmail.readonly'],
        reason: 'not_authorized',
      },
    });
    expect(first.authorization.id).toMatch(/^ac_/);
    expect(first.authorization.url).toBe(server.consentUrl(first.authorization.id));
    expect(server.executions).toHaveLength(0);
    const second = expectStatus(
      await provider.execute({ userId: 'alice', toolName: 'Gmail_ListEmails', input: { n_emails: 2 } }),
      'success',
    );
    expect(second).toMatchObject({ authorizationStatus: 'authorized', toolVersion: '3.0.0' });
    expect(second.executionId).toBe(server.executions[0]!.executionId);
    expect((second.output as { emails: unknown[] }).emails).toHaveLength(2);
    expect(second.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('tools without OAuth run without a preflight', async () => {
    const { server, provider } = await setup();
    const result = expectStatus(
      await provider.execute({ userId: 'alice', toolName: 'Math.Add', input: { a: 2, b: 3 } }),
      'success',
    );
    expect(result).toMatchObject({ output: 5, authorizationStatus: 'not_required' });
    expect(server.requestsTo('/v1/tools/authorize')).toHaveLength(0);
  });

  it('waits for consent with its own bounded loop: completed, failed (no spinning) and pending at the deadline', async () => {
    const { server, provider } = await setup();
    const first = expectStatus(
      await provider.execute({ userId: 'alice', toolName: 'Slack_ListChannels' }),
      'authorization_required',
    );
    const waiting = provider.waitForAuthorization({
      userId: 'alice',
      authorizationId: first.authorization.id,
      timeoutMs: 10_000,
    });
    setTimeout(() => void server.visit(first.authorization.url), 50);
    expect(await waiting).toEqual({
      authorizationId: first.authorization.id,
      status: 'completed',
      scopes: ['channels:read'],
    });

    const denied = expectStatus(
      await provider.execute({ userId: 'bob', toolName: 'Slack_ListChannels' }),
      'authorization_required',
    );
    const failing = provider.waitForAuthorization({
      userId: 'bob',
      authorizationId: denied.authorization.id,
      timeoutMs: 10_000,
    });
    setTimeout(() => void server.visit(denied.authorization.url, 'deny'), 50);
    expect((await failing).status).toBe('failed');
    // The client's own waitForCompletion would poll forever here; ours stopped at once.
    expect(server.requestsTo('/v1/auth/status').length).toBeLessThanOrEqual(3);

    const never = expectStatus(
      await provider.execute({ userId: 'carol', toolName: 'Slack_ListChannels' }),
      'authorization_required',
    );
    const pending = await provider.waitForAuthorization({
      userId: 'carol',
      authorizationId: never.authorization.id,
      timeoutMs: 300,
    });
    expect(pending.status).toBe('pending');
    expect(
      (
        await provider.waitForAuthorization({
          userId: 'carol',
          authorizationId: 'ac_unknown',
          timeoutMs: 300,
        })
      ).status,
    ).toBe('failed');
  });

  it('revocation between two calls → the second call asks for authorization again', async () => {
    const { server, provider } = await setup();
    await consent(server, provider, 'alice', 'Github_SetStarred', { owner: 'a', name: 'b', starred: true });
    const input = { owner: 'a', name: 'b', starred: true };
    expectStatus(
      await provider.execute({ userId: 'alice', toolName: 'Github_SetStarred', input }),
      'success',
    );
    expect(server.revoke('alice', 'github')).toBe(true);
    const again = expectStatus(
      await provider.execute({ userId: 'alice', toolName: 'Github_SetStarred', input }),
      'authorization_required',
    );
    expect(again.authorization.reason).toBe('not_authorized');
    expect(server.executions).toHaveLength(1);
  });

  it('revocation mid-run (403 after a successful preflight) → re-authorization result, not a crash', async () => {
    const { server, provider } = await setup();
    await consent(server, provider, 'alice', 'Github_CreateIssue', ISSUE);
    server.injectFault({
      method: 'POST',
      path: '/v1/tools/execute',
      fault: { type: 'effect', run: () => void server.revoke('alice', 'github') },
    });
    const result = expectStatus(
      await provider.execute({ userId: 'alice', toolName: 'Github_CreateIssue', input: ISSUE }),
      'authorization_required',
    );
    expect(result).toMatchObject({
      authorizationStatus: 'revoked',
      authorization: { reason: 'revoked', providerId: 'github' },
    });
    expect(server.requestsTo('/v1/tools/execute').map((request) => request.status)).toEqual([403]);
    expect(server.executions).toHaveLength(0);
    await server.visit(result.authorization.url);
    expectStatus(
      await provider.execute({ userId: 'alice', toolName: 'Github_CreateIssue', input: ISSUE }),
      'success',
    );
  });

  it('an expired token is refreshed by the engine; an unrefreshable one needs new consent', async () => {
    const { server, provider } = await setup();
    await consent(server, provider, 'alice', 'Gmail_ListEmails', {});
    server.expireToken('alice', 'google', { refreshable: true });
    expectStatus(await provider.execute({ userId: 'alice', toolName: 'Gmail_ListEmails' }), 'success');
    expect(server.grants()[0]!.refreshCount).toBe(1);
    server.expireToken('alice', 'google', { refreshable: false });
    expectStatus(
      await provider.execute({ userId: 'alice', toolName: 'Gmail_ListEmails' }),
      'authorization_required',
    );
  });

  it("isolates users: A's consent never serves B, model arguments cannot switch identity", async () => {
    const { server, provider } = await setup();
    const mail = { recipient: 'x@example.com', subject: 's', body: 'b' };
    await consent(server, provider, 'alice', 'Gmail_SendEmail', mail);
    expectStatus(
      await provider.execute({ userId: 'bob', toolName: 'Gmail_SendEmail', input: mail }),
      'authorization_required',
    );
    const sneaky = { ...mail, user_id: 'bob' };
    expectStatus(
      await provider.execute({ userId: 'alice', toolName: 'Gmail_SendEmail', input: sneaky }),
      'success',
    );
    const sent = server.requestsTo('/v1/tools/execute').at(-1)!.body as Record<string, unknown>;
    expect(sent.user_id).toBe('alice');
    expect(sent.input).toEqual(mail);
    expect(server.executions.map((execution) => execution.userId)).toEqual(['alice']);
    // Another user cannot poll alice's authorization either.
    const bobs = expectStatus(
      await provider.execute({ userId: 'bob', toolName: 'Gmail_SendEmail', input: mail }),
      'authorization_required',
    );
    const alices = expectStatus(
      await provider.execute({ userId: 'carol', toolName: 'Gmail_ListEmails' }),
      'authorization_required',
    );
    expect(bobs.authorization.id).not.toBe(alices.authorization.id);
    expect(
      (
        await provider.waitForAuthorization({
          userId: 'bob',
          authorizationId: alices.authorization.id,
          timeoutMs: 500,
        })
      ).status,
    ).toBe('failed');
  });

  it('tenants are separate Arcade identities, even for the same user id', async () => {
    const { server, provider } = await setup();
    const first = expectStatus(
      await provider.execute({ tenantId: 'acme', userId: 'alice', toolName: 'Slack_ListChannels' }),
      'authorization_required',
    );
    await server.visit(first.authorization.url);
    expectStatus(
      await provider.execute({ tenantId: 'acme', userId: 'alice', toolName: 'Slack_ListChannels' }),
      'success',
    );
    expectStatus(
      await provider.execute({ tenantId: 'globex', userId: 'alice', toolName: 'Slack_ListChannels' }),
      'authorization_required',
    );
    expectStatus(
      await provider.execute({ userId: 'alice', toolName: 'Slack_ListChannels' }),
      'authorization_required',
    );
    expect(server.grants().map((grant) => grant.userId)).toEqual(['acme:alice']);
  });

  it('passes application-supplied (non-inferrable) input and drops what the model tried to set', async () => {
    const { server, provider } = await setup();
    await consent(server, provider, 'alice', 'Slack_SendMessage', { channel_name: 'g', message: 'm' });
    const result = expectStatus(
      await provider.execute({
        userId: 'alice',
        toolName: 'Slack_SendMessage',
        input: {
          channel_name: 'general',
          message: 'hi',
          team_id: 'EVIL',
          blocks: [{ type: 'divider', text: null }],
        },
        trustedInput: { team_id: 'T123' },
      }),
      'success',
    );
    expect(result.output).toMatchObject({ team_id: 'T123', blocks: 1 });
    const modelOnly = expectStatus(
      await provider.execute({
        userId: 'alice',
        toolName: 'Slack_SendMessage',
        input: { channel_name: 'g', message: 'm', team_id: 'EVIL' },
      }),
      'success',
    );
    expect(modelOnly.output).toMatchObject({ team_id: null });
    await expect(
      provider.execute({
        userId: 'alice',
        toolName: 'Slack_SendMessage',
        input: { channel_name: 'g', message: 'm' },
        trustedInput: { admin: true },
      }),
    ).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('drops nulls the model sends for optional parameters', async () => {
    const { server, provider } = await setup();
    await consent(server, provider, 'alice', 'Github_CreateIssue', ISSUE);
    expectStatus(
      await provider.execute({
        userId: 'alice',
        toolName: 'Github_CreateIssue',
        input: { ...ISSUE, body: null, labels: ['bug'] },
      }),
      'success',
    );
    expect((server.requestsTo('/v1/tools/execute').at(-1)!.body as Record<string, unknown>).input).toEqual({
      ...ISSUE,
      labels: ['bug'],
    });
  });
});

describe('ArcadeToolProvider: policy and approvals', () => {
  it('filters listed tools and denies calls by tenant and user allowlists, without calling Arcade', async () => {
    const policy = new StaticToolPolicy({
      rules: [
        { tenantId: 'acme', allowToolkits: ['Github', 'Gmail', 'Math'] },
        { tenantId: 'acme', userId: 'intern', allowTools: ['Github.ListPullRequests', 'Math_Add'] },
        { tenantId: 'acme', allowedScopes: ['repo', 'https://www.googleapis.com/auth/gmail.readonly'] },
      ],
    });
    const { server, provider } = await setup({ policy });
    const names = async (userId: string) =>
      (await provider.listTools({ tenantId: 'acme', userId })).map((tool) => tool.name).sort();
    expect(await names('alice')).toEqual([
      'Github_CreateIssue',
      'Github_ListPullRequests',
      'Github_SetStarred',
      'Gmail_ListEmails',
      'Math_Add',
    ]);
    expect(await names('intern')).toEqual(['Github_ListPullRequests', 'Math_Add']);
    expect(await provider.listTools({ tenantId: 'other', userId: 'alice' })).toHaveLength(9);

    const denied = expectStatus(
      await provider.execute({ tenantId: 'acme', userId: 'alice', toolName: 'Gmail_SendEmail', input: {} }),
      'tool_error',
    );
    expect(denied.error).toMatchObject({ kind: 'denied', canRetry: false });
    expect(denied.error.message).toContain(
      'scopes https://www.googleapis.com/auth/gmail.send are not allowed',
    );
    const intern = expectStatus(
      await provider.execute({
        tenantId: 'acme',
        userId: 'intern',
        toolName: 'Github_CreateIssue',
        input: ISSUE,
      }),
      'tool_error',
    );
    expect(intern.error.kind).toBe('denied');
    expect(server.requestsTo('/v1/tools/execute')).toHaveLength(0);
    expect(server.requestsTo('/v1/tools/authorize')).toHaveLength(0);
  });

  it('asks for approval before a write tool runs, then runs it once approved', async () => {
    const policy = new StaticToolPolicy({ rules: [{ approval: 'writes' }] });
    const { server, provider } = await setup({ policy });
    const tools = await provider.listTools({ userId: 'alice', toolkits: ['Github'] });
    expect(Object.fromEntries(tools.map((tool) => [tool.name, tool.requiresApproval]))).toEqual({
      Github_CreateIssue: true,
      Github_ListPullRequests: false,
      Github_SetStarred: true,
    });
    const pending = expectStatus(
      await provider.execute({ userId: 'alice', toolName: 'Github_CreateIssue', input: ISSUE }),
      'approval_required',
    );
    expect(pending.approval).toEqual({
      reason: 'policy requires a human to approve calls to Github_CreateIssue',
      readOnly: false,
      destructive: false,
      operations: ['create'],
    });
    expect(server.requests.filter((request) => request.method === 'POST')).toHaveLength(0);
    const approval = { approvedBy: 'manager-1' };
    const afterApproval = await provider.execute({
      userId: 'alice',
      toolName: 'Github_CreateIssue',
      input: ISSUE,
      approval,
    });
    await server.visit(expectStatus(afterApproval, 'authorization_required').authorization.url);
    const done = expectStatus(
      await provider.execute({ userId: 'alice', toolName: 'Github_CreateIssue', input: ISSUE, approval }),
      'success',
    );
    expect(JSON.parse(done.output as string)).toMatchObject({
      number: 1,
      title: 'Bug',
      user: { login: 'alice' },
    });
  });

  it('an unknown tool is not_found and reaches no endpoint', async () => {
    const { server, provider } = await setup({ toolkits: ['Math'] });
    const result = expectStatus(
      await provider.execute({ userId: 'alice', toolName: 'Gmail_SendEmail' }),
      'tool_error',
    );
    expect(result.error.kind).toBe('not_found');
    expect(server.requestsTo('/v1/tools/execute')).toHaveLength(0);
  });
});

describe('ArcadeToolProvider in a CompositeToolProvider', () => {
  it('serves Arcade and local tools through one ToolProvider', async () => {
    const { provider: arcade } = await setup({ toolkits: ['Math'] });
    const local = new LocalToolProvider({
      tools: [
        defineLocalTool({
          name: 'whoami',
          description: 'The current user.',
          input: z.object({}),
          behavior: { readOnly: true },
          execute: (_input, context) => context.userId,
        }),
      ],
    });
    const tools = new CompositeToolProvider({ providers: [arcade, local] });
    expect(
      (await tools.listTools({ userId: 'alice' })).map((tool) => `${tool.provider}:${tool.name}`),
    ).toEqual(['arcade:Math_Add', 'local:whoami']);
    expect(
      await tools.execute({ userId: 'alice', toolName: 'Math.Add', input: { a: 1, b: 1 } }),
    ).toMatchObject({
      provider: 'arcade',
      output: 2,
    });
    expect(await tools.execute({ userId: 'alice', toolName: 'whoami' })).toMatchObject({
      provider: 'local',
      output: 'alice',
    });
    expect(tools.waitForAuthorization).toBeDefined();
  });
});
