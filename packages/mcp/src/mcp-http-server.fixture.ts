import { createHash, randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type Server as HttpServer,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import { createTestMcpServer, ToolRegistry } from './mcp-test-tools.fixture.js';

// A real Streamable HTTP MCP server on 127.0.0.1 (the SDK's server transport), guarded by bearer
// tokens. With `oauth`, it is also its own OAuth 2.1 authorization server: a missing or unknown
// token gets 401 with `WWW-Authenticate: Bearer resource_metadata=…`, and the SDK client discovers
// the metadata, registers dynamically and starts PKCE, as against a hosted server.

interface Session {
  transport: StreamableHTTPServerTransport;
  user: string;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

export class McpHttpFixture {
  readonly registry = new ToolRegistry();
  /** Requests whose token belonged to another user than the session's: must stay 0. */
  sessionUserMismatches = 0;
  /** Every bearer the MCP endpoint saw, with the user it belongs to. */
  readonly seen: { user: string; sessionId: string | undefined }[] = [];
  /** The exact `Authorization` header of every request to the MCP endpoint. */
  readonly authorizationHeaders: (string | undefined)[] = [];
  /** When set, the MCP endpoint never answers (a stuck server). */
  stalled = false;
  private readonly tokens = new Map<string, string>();
  private readonly sessions = new Map<string, Session>();
  private readonly legacySessions = new Map<string, { transport: SSEServerTransport; user: string }>();
  private readonly codes = new Map<string, { user: string; challenge: string; redirectUri: string }>();
  private clients = 0;
  private readonly server: HttpServer;
  url = '';
  base = '';

  private constructor(
    tokens: Record<string, string>,
    private readonly oauth: boolean,
    private readonly legacySse: boolean,
  ) {
    for (const [token, user] of Object.entries(tokens)) this.tokens.set(token, user);
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        if (!response.headersSent) json(response, 500, { error: String(error) });
      });
    });
  }

  /** `legacySse`: a 2024-11-05 server that speaks only HTTP+SSE (POST to its URL is 405). */
  static async start(
    options: { tokens?: Record<string, string>; oauth?: boolean; legacySse?: boolean } = {},
  ): Promise<McpHttpFixture> {
    const fixture = new McpHttpFixture(
      options.tokens ?? {},
      options.oauth ?? false,
      options.legacySse ?? false,
    );
    await new Promise<void>((resolve) => fixture.server.listen(0, '127.0.0.1', resolve));
    const { port } = fixture.server.address() as AddressInfo;
    fixture.base = `http://127.0.0.1:${port}`;
    fixture.url = `${fixture.base}/mcp`;
    return fixture;
  }

  /** Sessions over the legacy HTTP+SSE transport. */
  get legacyOpenSessions(): number {
    return this.legacySessions.size;
  }

  get openSessions(): number {
    return this.sessions.size + this.legacySessions.size;
  }

  /** The user approves in the browser: the authorization server issues a code for `url`'s PKCE challenge. */
  consent(consentUrl: string, user: string): { code: string; state: string | null } {
    const url = new URL(consentUrl);
    const code = `code-${randomUUID()}`;
    this.codes.set(code, {
      user,
      challenge: url.searchParams.get('code_challenge') ?? '',
      redirectUri: url.searchParams.get('redirect_uri') ?? '',
    });
    return { code, state: url.searchParams.get('state') };
  }

  /** Issues one more bearer token for `user`. */
  addToken(token: string, user: string): void {
    this.tokens.set(token, user);
  }

  /** Revokes every token of `user`: the next request answers 401. */
  revoke(user: string): void {
    for (const [token, owner] of this.tokens) if (owner === user) this.tokens.delete(token);
  }

  /** Tokens issued by the authorization server (the tests check none leaks). */
  issuedTokens(): string[] {
    return [...this.tokens.keys()].filter((token) => token.startsWith('at-'));
  }

  async close(): Promise<void> {
    await Promise.all(
      [...this.sessions.values()].map((session) => session.transport.close().catch(() => undefined)),
    );
    this.sessions.clear();
    await Promise.all(
      [...this.legacySessions.values()].map((session) => session.transport.close().catch(() => undefined)),
    );
    this.legacySessions.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private unauthorized(response: ServerResponse): void {
    response.writeHead(401, {
      'content-type': 'application/json',
      ...(this.oauth
        ? {
            'www-authenticate': `Bearer error="invalid_token", resource_metadata="${this.base}/.well-known/oauth-protected-resource/mcp"`,
          }
        : {}),
    });
    response.end(JSON.stringify({ error: 'invalid_token' }));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', this.base).pathname;
    if (this.oauth && (await this.handleOAuth(path, request, response))) return;
    if (path !== '/mcp' && !(this.legacySse && path === '/messages'))
      return json(response, 404, { error: 'not found' });
    this.authorizationHeaders.push(request.headers.authorization);
    if (this.stalled) return;
    const header = request.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7) : undefined;
    const user = token !== undefined ? this.tokens.get(token) : undefined;
    if (user === undefined || token === undefined) return this.unauthorized(response);
    const sessionId = request.headers['mcp-session-id'];
    const id = typeof sessionId === 'string' ? sessionId : undefined;
    this.seen.push({ user, sessionId: id });
    (request as IncomingMessage & { auth?: unknown }).auth = {
      token,
      clientId: 'test',
      scopes: [],
      extra: { user },
    };
    if (this.legacySse) return this.handleLegacy(path, request, response, user);
    if (id !== undefined) {
      const session = this.sessions.get(id);
      if (!session)
        return json(response, 404, {
          jsonrpc: '2.0',
          error: { code: -32001, message: 'no session' },
          id: null,
        });
      if (session.user !== user) {
        this.sessionUserMismatches++;
        return json(response, 403, { error: 'session belongs to another user' });
      }
      return session.transport.handleRequest(request, response);
    }
    if (request.method !== 'POST') return json(response, 405, { error: 'session required' });
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (newId) => void this.sessions.set(newId, { transport, user }),
      onsessionclosed: (closedId) => void this.sessions.delete(closedId),
    });
    transport.onclose = () => {
      if (transport.sessionId) this.sessions.delete(transport.sessionId);
    };
    const server = createTestMcpServer(this.registry, (extra) => ({
      user: extra.authInfo?.extra?.user as string | undefined,
      token: extra.authInfo?.token,
    }));
    await server.connect(transport);
    await transport.handleRequest(request, response);
  }

  private async handleLegacy(
    path: string,
    request: IncomingMessage,
    response: ServerResponse,
    user: string,
  ): Promise<void> {
    if (path === '/mcp') {
      if (request.method !== 'GET') return json(response, 405, { error: 'this server speaks HTTP+SSE only' });
      const transport = new SSEServerTransport('/messages', response);
      this.legacySessions.set(transport.sessionId, { transport, user });
      transport.onclose = () => void this.legacySessions.delete(transport.sessionId);
      const server = createTestMcpServer(this.registry, (extra) => ({
        user: extra.authInfo?.extra?.user as string | undefined,
        token: extra.authInfo?.token,
      }));
      await server.connect(transport);
      return;
    }
    const sessionId = new URL(request.url ?? '/', this.base).searchParams.get('sessionId') ?? '';
    const session = this.legacySessions.get(sessionId);
    if (!session) return json(response, 404, { error: 'no session' });
    if (session.user !== user) {
      this.sessionUserMismatches++;
      return json(response, 403, { error: 'session belongs to another user' });
    }
    await session.transport.handlePostMessage(request, response);
  }

  private async handleOAuth(
    path: string,
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<boolean> {
    switch (path) {
      case '/.well-known/oauth-protected-resource/mcp':
      case '/.well-known/oauth-protected-resource':
        json(response, 200, {
          resource: this.url,
          authorization_servers: [this.base],
          scopes_supported: ['tools'],
        });
        return true;
      case '/.well-known/oauth-authorization-server':
        json(response, 200, {
          issuer: this.base,
          authorization_endpoint: `${this.base}/authorize`,
          token_endpoint: `${this.base}/token`,
          registration_endpoint: `${this.base}/register`,
          response_types_supported: ['code'],
          grant_types_supported: ['authorization_code', 'refresh_token'],
          code_challenge_methods_supported: ['S256'],
          token_endpoint_auth_methods_supported: ['none'],
        });
        return true;
      case '/register': {
        const metadata = JSON.parse(await readBody(request)) as Record<string, unknown>;
        this.clients++;
        json(response, 201, {
          ...metadata,
          client_id: `client-${this.clients}`,
          client_id_issued_at: Math.floor(Date.now() / 1000),
        });
        return true;
      }
      case '/token': {
        const form = new URLSearchParams(await readBody(request));
        const code = this.codes.get(form.get('code') ?? '');
        const verifier = form.get('code_verifier') ?? '';
        const challenge = createHash('sha256').update(verifier).digest('base64url');
        if (form.get('grant_type') !== 'authorization_code' || !code || code.challenge !== challenge) {
          json(response, 400, { error: 'invalid_grant' });
          return true;
        }
        this.codes.delete(form.get('code')!);
        const token = `at-${randomUUID()}`;
        this.tokens.set(token, code.user);
        json(response, 200, { access_token: token, token_type: 'Bearer', expires_in: 3600, scope: 'tools' });
        return true;
      }
      default:
        return false;
    }
  }
}

/** What an application keeps per user for the SDK's OAuth client: here in memory. */
export class InMemoryOAuthClient implements OAuthClientProvider {
  private information: OAuthClientInformationMixed | undefined;
  private stored: OAuthTokens | undefined;
  private verifier = '';
  readonly redirectUrl = 'http://127.0.0.1/oauth/callback';

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'tristack test agent',
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      scope: 'tools',
    };
  }
  clientInformation() {
    return this.information;
  }
  saveClientInformation(information: OAuthClientInformationMixed) {
    this.information = information;
  }
  tokens() {
    return this.stored;
  }
  saveTokens(tokens: OAuthTokens) {
    this.stored = tokens;
  }
  redirectToAuthorization() {
    throw new Error('a server has no browser: the provider captures the URL instead');
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery') {
    if (scope === 'all' || scope === 'tokens') this.stored = undefined;
  }
}
