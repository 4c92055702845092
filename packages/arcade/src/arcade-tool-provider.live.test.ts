import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { InMemoryAuditLog, StaticToolPolicy } from '@tristack/core';
import { ArcadeToolProvider } from './arcade-tool-provider.js';

// The bridge against the real Arcade engine. Needs ARCADE_API_KEY (and optionally
// ARCADE_BASE_URL). OAuth consent needs a human, so the live run checks everything up to the
// consent URL; the consent → call path is covered against FakeArcadeServer.
const apiKey = process.env.ARCADE_API_KEY?.trim();
if (!apiKey) {
  console.warn('[tristack] arcade live tests NOT RUN: set ARCADE_API_KEY to run them against real Arcade');
}

describe.runIf(Boolean(apiKey))('ArcadeToolProvider against real Arcade', () => {
  const logs: string[] = [];
  const capture = (...args: unknown[]) =>
    void logs.push(args.map((arg) => inspect(arg, { depth: 20 })).join(' '));
  const auditLog = new InMemoryAuditLog();
  let provider: ArcadeToolProvider;
  // Built in beforeAll: a skipped describe still runs its body to collect the tests.
  beforeAll(() => {
    provider = new ArcadeToolProvider({
      apiKey: apiKey!,
      ...(process.env.ARCADE_BASE_URL ? { baseURL: process.env.ARCADE_BASE_URL } : {}),
      toolkits: ['Github', 'Math'],
      logLevel: 'debug',
      logger: { debug: capture, info: capture, warn: capture, error: capture },
      auditLog,
      policy: new StaticToolPolicy({ rules: [{ userId: 'denied-user', denyTools: ['Math.Add'] }] }),
    });
  });
  // A fresh Arcade user: it has granted nothing, so GitHub must ask for consent.
  const userId = `tristack-live-${randomBytes(6).toString('hex')}`;

  it('lists the toolkits with converted schemas and descriptions', { timeout: 60_000 }, async () => {
    const tools = await provider.listTools({ userId });
    const issue = tools.find((tool) => tool.qualifiedName === 'Github.CreateIssue');
    expect(issue, tools.map((tool) => tool.qualifiedName).join(', ')).toBeDefined();
    expect(issue!.name).toBe('Github_CreateIssue');
    expect(issue!.requirements.authorization?.providerId).toBe('github');
    expect(issue!.inputJsonSchema).toMatchObject({
      type: 'object',
      required: expect.arrayContaining(['owner', 'repo', 'title']),
    });
    const properties = issue!.inputJsonSchema.properties as Record<string, { description?: string }>;
    expect(properties.title!.description).toEqual(expect.any(String));
    expect(tools.some((tool) => tool.qualifiedName === 'Math.Add')).toBe(true);
  });

  it('runs a tool without OAuth', { timeout: 60_000 }, async () => {
    const add = (await provider.listTools({ userId })).find((tool) => tool.qualifiedName === 'Math.Add')!;
    const properties = add.inputJsonSchema.properties as Record<string, { type?: string }>;
    const value = (number: number) => (properties.a?.type === 'string' ? String(number) : number);
    const result = await provider.execute({
      userId,
      toolName: 'Math_Add',
      input: { a: value(2), b: value(3) },
    });
    expect(result.status, JSON.stringify(result)).toBe('success');
    expect(String((result as { output: unknown }).output)).toContain('5');
    expect(result.executionId).toEqual(expect.any(String));
  });

  it(
    'asks a new user for consent instead of throwing, and the wait is bounded',
    { timeout: 60_000 },
    async () => {
      const input = { owner: 'octocat', repo: 'Hello-World', title: 'tristack live test (never created)' };
      const result = await provider.execute({ userId, toolName: 'Github_CreateIssue', input });
      expect(result.status, JSON.stringify(result)).toBe('authorization_required');
      const { authorization } = result as Extract<typeof result, { status: 'authorization_required' }>;
      expect(authorization.url).toMatch(/^https:\/\//);
      expect(authorization.id).toEqual(expect.any(String));
      expect(authorization.providerId).toBe('github');
      const waited = await provider.waitForAuthorization({
        userId,
        authorizationId: authorization.id,
        timeoutMs: 2_000,
      });
      expect(waited.status).toBe('pending');
    },
  );

  it(
    'maps invalid input, unknown tools and policy denials to typed results',
    { timeout: 60_000 },
    async () => {
      const invalid = await provider.execute({ userId, toolName: 'Github_CreateIssue', input: { owner: 1 } });
      expect(invalid).toMatchObject({ status: 'tool_error', error: { kind: 'invalid_input' } });
      const unknown = await provider.execute({ userId, toolName: 'Nope_Nothing' });
      expect(unknown).toMatchObject({ status: 'tool_error', error: { kind: 'not_found' } });
      const denied = await provider.execute({
        userId: 'denied-user',
        toolName: 'Math_Add',
        input: { a: '1', b: '1' },
      });
      expect(denied).toMatchObject({ status: 'tool_error', error: { kind: 'denied' } });
    },
  );

  it('kept the API key out of the logs and the audit trail consistent', async () => {
    expect(logs.join('\n')).not.toContain(apiKey!);
    const events = (await auditLog.query({ limit: 1000 })).events;
    expect(events.some((event) => event.type === 'tool.call.executed')).toBe(true);
    expect(JSON.stringify(events)).not.toMatch(/"token"/);
    expect((await auditLog.verify()).valid).toBe(true);
  });
});
