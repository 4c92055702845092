import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryAuditLog } from '@tristack/core';
import { InMemoryOAuthClient, McpHttpFixture } from './mcp-http-server.fixture.js';
import { McpAuthorizationRequiredError } from './mcp-authorization-required-error.js';
import { McpToolProvider } from './mcp-tool-provider.js';

// A server guarded by OAuth: 401 + `WWW-Authenticate: Bearer resource_metadata=…`, protected
// resource and authorization server metadata, dynamic registration, PKCE, a token endpoint.
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function setup() {
  const server = await McpHttpFixture.start({ oauth: true });
  const clients = new Map<string, InMemoryOAuthClient>();
  const auditLog = new InMemoryAuditLog();
  const provider = new McpToolProvider({
    name: 'docs',
    transport: { type: 'http', url: server.url },
    // One OAuth client per user, kept between calls (an application keeps it in its session store).
    credentials: ({ userId, tenantId }) => {
      const key = `${tenantId ?? ''}/${userId}`;
      if (!clients.has(key)) clients.set(key, new InMemoryOAuthClient());
      return { authProvider: clients.get(key)! };
    },
    auditLog,
  });
  cleanups.push(async () => {
    await provider.close();
    await server.close();
  });
  return { server, provider, clients, auditLog };
}

describe('McpToolProvider: OAuth consent', () => {
  it('401 → authorization_required with the consent URL → consent → the call succeeds', async () => {
    const { server, provider, auditLog } = await setup();
    const first = await provider.execute({
      userId: 'alice',
      toolName: 'whoami',
      input: { expectedUser: 'alice' },
    });
    if (first.status !== 'authorization_required') throw new Error(JSON.stringify(first));
    expect(first).toMatchObject({
      provider: 'docs',
      authorizationStatus: 'required',
      authorization: {
        providerId: 'docs',
        scopes: ['tools'],
        reason: 'not_authorized',
        id: expect.any(String),
      },
    });
    const url = new URL(first.authorization.url);
    expect(`${url.origin}${url.pathname}`).toBe(`${server.base}/authorize`);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('resource')).toBe(server.url);
    await expect(provider.listTools({ userId: 'alice' })).rejects.toBeInstanceOf(
      McpAuthorizationRequiredError,
    );

    const waiting = provider.waitForAuthorization({
      userId: 'alice',
      authorizationId: (
        await provider.execute({ userId: 'alice', toolName: 'whoami' }).then((result) => {
          if (result.status !== 'authorization_required') throw new Error(result.status);
          return result;
        })
      ).authorization.id,
      timeoutMs: 5_000,
    });
    // The user consents in the browser; the application's OAuth callback finishes the flow.
    const pending = await provider.execute({ userId: 'alice', toolName: 'whoami' });
    if (pending.status !== 'authorization_required') throw new Error(pending.status);
    const { code } = server.consent(pending.authorization.url, 'alice');
    expect(await provider.completeAuthorization({ userId: 'alice', authorizationCode: code })).toMatchObject({
      authorizationId: pending.authorization.id,
      status: 'completed',
    });
    // A newer authorization replaced the one `waiting` watched: it is no longer this user's.
    expect((await waiting).status).toBe('failed');
    expect(
      await provider.waitForAuthorization({ userId: 'alice', authorizationId: pending.authorization.id }),
    ).toMatchObject({ status: 'completed' });
    // Another user cannot read alice's authorization.
    expect(
      await provider.waitForAuthorization({ userId: 'bob', authorizationId: pending.authorization.id }),
    ).toMatchObject({ status: 'failed' });

    const done = await provider.execute({
      userId: 'alice',
      toolName: 'whoami',
      input: { expectedUser: 'alice' },
    });
    expect(done).toMatchObject({ status: 'success', authorizationStatus: 'authorized' });
    expect((await provider.listTools({ userId: 'alice' }))[0]!.requirements).toEqual({
      authorization: { providerId: 'docs', scopes: ['tools'] },
    });
    // Bob has not consented: alice's grant never serves him.
    expect((await provider.execute({ userId: 'bob', toolName: 'whoami' })).status).toBe(
      'authorization_required',
    );
    expect(server.registry.crossUserCalls).toBe(0);

    // Neither the consent URL nor an access token reaches the audit trail.
    const stored = JSON.stringify((await auditLog.query({ tenantId: 'default', limit: 1000 })).events);
    expect(stored).not.toContain(first.authorization.url);
    for (const token of server.issuedTokens()) expect(stored).not.toContain(token);
    expect(stored).toContain('"outcome":"authorization_required"');
  });

  it('revocation mid-run → authorization_required with reason revoked; new consent restores the call', async () => {
    const { server, provider } = await setup();
    const first = await provider.execute({ userId: 'alice', toolName: 'whoami' });
    if (first.status !== 'authorization_required') throw new Error(first.status);
    await provider.completeAuthorization({
      userId: 'alice',
      authorizationCode: server.consent(first.authorization.url, 'alice').code,
    });
    expect((await provider.execute({ userId: 'alice', toolName: 'whoami' })).status).toBe('success');
    server.revoke('alice');
    const revoked = await provider.execute({ userId: 'alice', toolName: 'whoami' });
    if (revoked.status !== 'authorization_required') throw new Error(JSON.stringify(revoked));
    expect(revoked).toMatchObject({ authorizationStatus: 'revoked', authorization: { reason: 'revoked' } });
    await provider.completeAuthorization({
      userId: 'alice',
      authorizationCode: server.consent(revoked.authorization.url, 'alice').code,
    });
    expect(await provider.execute({ userId: 'alice', toolName: 'whoami' })).toMatchObject({
      status: 'success',
      output: expect.objectContaining({ structuredContent: { user: 'alice' } }),
    });
  });

  it("one user cannot complete (or learn the status of) another user's authorization; no listing is shared", async () => {
    const { server, provider } = await setup();
    const alice = await provider.execute({ userId: 'alice', toolName: 'whoami' });
    if (alice.status !== 'authorization_required') throw new Error(alice.status);
    const bob = await provider.execute({ userId: 'bob', toolName: 'whoami' });
    if (bob.status !== 'authorization_required') throw new Error(bob.status);
    const bobCode = server.consent(bob.authorization.url, 'bob').code;
    expect(
      await provider.completeAuthorization({
        userId: 'bob',
        authorizationId: alice.authorization.id,
        authorizationCode: bobCode,
      }),
    ).toEqual({ authorizationId: alice.authorization.id, status: 'failed' });
    expect(
      await provider.waitForAuthorization({
        userId: 'alice',
        authorizationId: alice.authorization.id,
        timeoutMs: 10,
      }),
    ).toMatchObject({ status: 'pending' });

    // Alice consents and lists (delete_record is destructive there); bob's call is judged without
    // her listing: he is asked to consent, not told about the tool's annotations.
    await provider.completeAuthorization({
      userId: 'alice',
      authorizationCode: server.consent(alice.authorization.url, 'alice').code,
    });
    expect((await provider.listTools({ userId: 'alice' })).map((tool) => tool.name)).toContain(
      'delete_record',
    );
    const bobDelete = await provider.execute({
      userId: 'bob',
      toolName: 'delete_record',
      input: { id: '1' },
    });
    expect(bobDelete.status).toBe('authorization_required');
  });

  it('a code from a failed exchange is a typed error, the user stays unauthorized', async () => {
    const { provider } = await setup();
    const first = await provider.execute({ userId: 'alice', toolName: 'whoami' });
    if (first.status !== 'authorization_required') throw new Error(first.status);
    await expect(
      provider.completeAuthorization({ userId: 'alice', authorizationCode: 'forged-code' }),
    ).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    expect(
      await provider.waitForAuthorization({
        userId: 'alice',
        authorizationId: first.authorization.id,
        timeoutMs: 10,
      }),
    ).toMatchObject({ status: 'failed' });
    expect((await provider.execute({ userId: 'alice', toolName: 'whoami' })).status).toBe(
      'authorization_required',
    );
  });
});
