import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock, type Clock } from '@tristack/core';
import { defaultFakeArcadeCatalogue, FakeToolFailure, type FakeArcadeTool } from './catalogue.js';
import { checkToolInput } from './check-input.js';
import { FakeArcadeAuth, type FakeAuthorization, type FakeGrant } from './fake-arcade-auth.js';
import { FakeArcadeFaults, type FakeArcadeFault, type FakeArcadeFaultRule } from './faults.js';
import { formatTool } from './formats.js';
import { readBody, sendJson, sendText } from './http-io.js';
import { matchesMetadataFilter } from './metadata-filter.js';
import { ToolCatalogueIndex } from './tool-catalogue-index.js';
import type { WireExecuteResponse, WireToolDefinition, WireToolError } from './wire-types.js';

export interface FakeArcadeServerOptions {
  /** The key clients must send, raw or as `Bearer <key>`. @default 'fake-arcade-api-key' */
  apiKey?: string;
  /** @default defaultFakeArcadeCatalogue() (GitHub, Gmail, Slack, Math, Web) */
  catalogue?: FakeArcadeTool[];
  /** Time source for token expiry. @default systemClock */
  clock?: Clock;
  /** Access-token lifetime. @default 3600000 */
  tokenTtlMs?: number;
  /** Secrets the engine reports as not configured. @default [] */
  missingSecrets?: string[];
  /**
   * What `GET /v1/auth/status?wait=N` answers when the wait runs out: `pending` (200, today's
   * engine) or `timeout_408` (the historical 408). @default 'pending'
   */
  statusWaitExpiry?: 'pending' | 'timeout_408';
  /** @default 0 (any free port) */
  port?: number;
}

/** One request as the server received it. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: unknown;
  /** Status answered (undefined for a dropped connection). */
  status?: number;
  fault?: FakeArcadeFault['type'];
}

/** One tool execution that reached a tool (side effects happened). */
export interface RecordedExecution {
  executionId: string;
  toolName: string;
  version: string | undefined;
  userId: string | undefined;
  input: Record<string, unknown>;
  idempotencyKey: string | undefined;
  retryCount: number;
}

/** A scripted answer for the next execution of one tool. */
export type FakeToolOutcome =
  | { value: unknown }
  | { error: WireToolError }
  /** A 200 whose `output.authorization` is pending: the tool asked for extra scopes at run time. */
  | { authorization: { scopes: string[] } };

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const TOOL_NOT_FOUND = (status: number) =>
  new HttpError(status, 'tool_not_found', 'tool definition not found');

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function page<T>(items: readonly T[], query: URLSearchParams) {
  const limit = Math.min(Math.max(Number(query.get('limit') ?? 25) || 25, 1), 100);
  const offset = Math.max(Number(query.get('offset') ?? 0) || 0, 0);
  const slice = items.slice(offset, offset + limit);
  return { items: slice, limit, offset, page_count: slice.length, total_count: items.length };
}

/**
 * A loopback HTTP server that speaks the Arcade engine's wire format closely enough for the
 * real `@arcadeai/arcadejs` client (pointed at `url` via `baseURL`) to run unchanged. It
 * simulates consent flows, token expiry and refresh, revocation and per-user isolation, injects
 * faults, and records every request and execution for assertions.
 */
export class FakeArcadeServer {
  readonly apiKey: string;
  readonly requests: RecordedRequest[] = [];
  readonly executions: RecordedExecution[] = [];
  readonly faults = new FakeArcadeFaults();
  private readonly index: ToolCatalogueIndex;
  private readonly clock: Clock;
  private readonly auth: FakeArcadeAuth;
  private readonly missingSecrets: Set<string>;
  private readonly statusWaitExpiry: 'pending' | 'timeout_408';
  private readonly outcomes = new Map<string, FakeToolOutcome[]>();
  private readonly toolState = new Map<string, unknown>();
  private readonly sockets = new Set<Socket>();
  private health: { healthy: boolean; reason?: string } = { healthy: true };
  private executionSequence = 0;
  private baseUrl = '';

  private constructor(
    private readonly server: Server,
    options: FakeArcadeServerOptions,
  ) {
    this.apiKey = options.apiKey ?? 'fake-arcade-api-key';
    this.index = new ToolCatalogueIndex(options.catalogue ?? defaultFakeArcadeCatalogue());
    this.clock = options.clock ?? systemClock;
    this.missingSecrets = new Set(options.missingSecrets ?? []);
    this.statusWaitExpiry = options.statusWaitExpiry ?? 'pending';
    this.auth = new FakeArcadeAuth(this.clock, options.tokenTtlMs ?? 3_600_000, (id) => this.consentUrl(id));
  }

  /** Starts a server on 127.0.0.1 (a free port unless `port` is given). */
  static async start(options: FakeArcadeServerOptions = {}): Promise<FakeArcadeServer> {
    const server = createServer();
    const fake = new FakeArcadeServer(server, options);
    server.on('request', (request, response) => void fake.handle(request, response));
    server.on('connection', (socket) => {
      fake.sockets.add(socket);
      socket.on('close', () => fake.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    fake.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return fake;
  }

  /** Base URL for the client's `baseURL`, e.g. `http://127.0.0.1:43817`. */
  get url(): string {
    return this.baseUrl;
  }

  /** Options for the real client: `new Arcade(server.clientOptions)`. */
  get clientOptions(): { apiKey: string; baseURL: string } {
    return { apiKey: this.apiKey, baseURL: this.baseUrl };
  }

  /** Consent page of an authorization: `GET` it to grant, `?decision=deny` to refuse. */
  consentUrl(authorizationId: string): string {
    return `${this.baseUrl}/__oauth/consent/${encodeURIComponent(authorizationId)}`;
  }

  /** Simulates the user opening a consent URL in a browser and approving (or denying) it. */
  async visit(consentUrl: string, decision: 'approve' | 'deny' = 'approve'): Promise<number> {
    const url = new URL(consentUrl);
    if (decision === 'deny') url.searchParams.set('decision', 'deny');
    const response = await fetch(url, { redirect: 'manual' });
    await response.arrayBuffer();
    return response.status;
  }

  grantConsent(authorizationId: string): FakeAuthorization | undefined {
    return this.auth.complete(authorizationId);
  }

  denyConsent(authorizationId: string): FakeAuthorization | undefined {
    return this.auth.fail(authorizationId);
  }

  authorization(authorizationId: string): FakeAuthorization | undefined {
    return this.auth.find(authorizationId);
  }

  /** Deletes a user's connection to a provider (later executes answer 403 again). */
  revoke(userId: string, providerId: string): boolean {
    return this.auth.revoke(userId, providerId);
  }

  /** Expires the user's access token now; with `refreshable: false` the next use needs new consent. */
  expireToken(
    userId: string,
    providerId: string,
    options: { refreshable: boolean } = { refreshable: true },
  ): boolean {
    return this.auth.expireToken(userId, providerId, options);
  }

  grants(): FakeGrant[] {
    return this.auth.listGrants();
  }

  /** Every OAuth access token this server issued: none may ever show up in logs or audit records. */
  get issuedTokens(): readonly string[] {
    return this.auth.issuedTokens;
  }

  injectFault(rule: FakeArcadeFaultRule): () => void {
    return this.faults.add(rule);
  }

  /** Queues the outcome of the next execution of `toolName` (after the auth and input checks). */
  scriptToolOutcome(toolName: string, outcome: FakeToolOutcome): void {
    const key = (this.index.resolve(toolName)?.definition.qualified_name ?? toolName).toLowerCase();
    const queue = this.outcomes.get(key) ?? [];
    queue.push(outcome);
    this.outcomes.set(key, queue);
  }

  setHealthy(healthy: boolean, reason?: string): void {
    this.health = reason === undefined ? { healthy } : { healthy, reason };
  }

  setSecret(key: string, configured: boolean): void {
    if (configured) this.missingSecrets.delete(key);
    else this.missingSecrets.add(key);
  }

  requestsTo(path: string, method?: string): RecordedRequest[] {
    return this.requests.filter(
      (request) => request.path === path && (method === undefined || request.method === method),
    );
  }

  async close(): Promise<void> {
    this.auth.releaseWaiters();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const method = request.method ?? 'GET';
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      const text = firstHeader(value);
      if (text !== undefined) headers[name] = text;
    }
    const record: RecordedRequest = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      body: undefined,
    };
    this.requests.push(record);
    const send = (status: number, body: unknown, extra: Record<string, string> = {}) => {
      record.status = status;
      sendJson(response, status, body, extra);
    };
    try {
      const text = await readBody(request);
      if (text.length > 0) {
        try {
          record.body = JSON.parse(text);
        } catch {
          throw new HttpError(400, 'bad_request', 'request body is not valid JSON');
        }
      }
      const fault = this.faults.take(method, url.pathname);
      if (fault) {
        record.fault = fault.type;
        if (await this.applyFault(fault, response, record)) return;
      }
      const answer = await this.route(method, url, record);
      if (answer.type === 'json') send(answer.status, answer.body, answer.headers);
      else {
        record.status = answer.status;
        if (answer.location) response.writeHead(answer.status, { location: answer.location }).end();
        else sendText(response, answer.status, 'text/html; charset=utf-8', answer.text);
      }
    } catch (error) {
      if (error instanceof HttpError) send(error.status, { name: error.code, message: error.message });
      else
        send(500, {
          name: 'internal_error',
          message: error instanceof Error ? error.message : String(error),
        });
    }
  }

  /** Applies a fault; true when the response is finished. */
  private async applyFault(
    fault: FakeArcadeFault,
    response: ServerResponse,
    record: RecordedRequest,
  ): Promise<boolean> {
    switch (fault.type) {
      case 'latency':
        await sleep(fault.ms);
        return response.destroyed;
      case 'effect':
        await fault.run();
        return false;
      case 'drop':
        response.socket?.destroy();
        return true;
      case 'non_json':
        record.status = 200;
        sendText(response, 200, 'text/plain', fault.body ?? 'upstream proxy says hello');
        return true;
      case 'rate_limit': {
        const headers: Record<string, string> = {};
        if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
        if (fault.retryAfterMs !== undefined) headers['retry-after-ms'] = String(fault.retryAfterMs);
        record.status = 429;
        sendJson(response, 429, { name: 'rate_limited', message: 'rate limit exceeded' }, headers);
        return true;
      }
      case 'status':
        record.status = fault.status;
        sendJson(
          response,
          fault.status,
          fault.body ?? { name: `http_${fault.status}`, message: `injected ${fault.status}` },
          fault.headers,
        );
        return true;
    }
  }

  private checkApiKey(headers: Record<string, string>): void {
    const header = headers.authorization ?? '';
    const key = header.replace(/^Bearer\s+/i, '');
    if (key !== this.apiKey || key.length === 0) throw new HttpError(401, 'unauthorized', 'invalid API key');
  }

  private async route(
    method: string,
    url: URL,
    record: RecordedRequest,
  ): Promise<
    | { type: 'json'; status: number; body: unknown; headers?: Record<string, string> }
    | { type: 'page'; status: number; text: string; location?: string }
  > {
    const path = url.pathname.replace(/\/+$/, '');
    const query = url.searchParams;
    const json = (status: number, body: unknown) => ({ type: 'json' as const, status, body });

    if (method === 'GET' && path === '/v1/health') {
      return json(this.health.healthy ? 200 : 503, this.health);
    }
    const consent = /^\/__oauth\/consent\/([^/]+)$/.exec(path);
    if (consent && method === 'GET') return this.consentPage(decodeURIComponent(consent[1]!), query);
    const control = /^\/__test__\/authorizations\/([^/]+)\/(complete|fail)$/.exec(path);
    if (control && method === 'POST') {
      const id = decodeURIComponent(control[1]!);
      const authorization = control[2] === 'complete' ? this.auth.complete(id) : this.auth.fail(id);
      if (!authorization) throw new HttpError(404, 'not_found', 'authorization not found');
      return json(200, this.auth.toWire(authorization));
    }

    this.checkApiKey(record.headers);
    const body = asObject(record.body);

    if (method === 'GET' && path === '/v1/tools') {
      const tools = this.listDefinitions(query).map((tool) => this.present(tool.definition, query));
      return json(200, page(tools, query));
    }
    if (method === 'GET' && path === '/v1/formatted_tools') {
      const format = query.get('format') ?? 'openai';
      const tools = this.listDefinitions(query).map((tool) => formatTool(tool.definition, format) ?? {});
      return json(200, page(tools, query));
    }
    const formattedOne = /^\/v1\/formatted_tools\/([^/]+)$/.exec(path);
    if (method === 'GET' && formattedOne) {
      const tool = this.index.resolve(decodeURIComponent(formattedOne[1]!));
      if (!tool) throw TOOL_NOT_FOUND(404);
      return json(200, formatTool(tool.definition, query.get('format') ?? 'openai') ?? {});
    }
    if (method === 'POST' && path === '/v1/tools/authorize') return json(200, this.authorizeTool(body));
    if (method === 'POST' && path === '/v1/tools/execute') return this.execute(body, record);
    const toolOne = /^\/v1\/tools\/([^/]+)$/.exec(path);
    if (method === 'GET' && toolOne) {
      const tool = this.index.resolve(decodeURIComponent(toolOne[1]!));
      if (!tool) throw TOOL_NOT_FOUND(404);
      return json(200, this.present(tool.definition, query));
    }
    if (method === 'POST' && path === '/v1/auth/authorize') return json(200, this.authorizeProvider(body));
    if (method === 'GET' && path === '/v1/auth/status') return this.status(query);
    if (method === 'GET' && path === '/v1/admin/user_connections') {
      const userId = query.get('user_id');
      const providerId = query.get('provider_id');
      const connections = this.auth
        .listGrants()
        .filter(
          (grant) => (!userId || grant.userId === userId) && (!providerId || grant.providerId === providerId),
        )
        .map((grant) => ({
          id: grant.connectionId,
          connection_id: grant.connectionId,
          connection_status: 'active',
          provider_id: grant.providerId,
          provider_type: grant.providerType,
          provider_description: `${grant.providerId} (fake)`,
          provider_user_info: { id: grant.userId },
          scopes: [...grant.scopes].sort(),
          user_id: grant.userId,
        }));
      return json(200, page(connections, query));
    }
    const connection = /^\/v1\/admin\/user_connections\/([^/]+)$/.exec(path);
    if (method === 'DELETE' && connection) {
      if (!this.auth.revokeConnection(decodeURIComponent(connection[1]!))) {
        throw new HttpError(404, 'not_found', 'user connection not found');
      }
      return json(204, null);
    }
    throw new HttpError(404, 'not_found', `no route for ${method} ${path}`);
  }

  private listDefinitions(query: URLSearchParams): FakeArcadeTool[] {
    const toolkit = query.get('toolkit')?.toLowerCase();
    const filterText = query.get('filter');
    let filter: unknown;
    if (filterText) {
      try {
        filter = JSON.parse(filterText);
      } catch {
        throw new HttpError(400, 'bad_request', 'filter is not valid JSON');
      }
    }
    return this.index
      .list(query.get('include_all_versions') === 'true')
      .filter((tool) => toolkit === undefined || tool.definition.toolkit.name.toLowerCase() === toolkit)
      .filter((tool) => filter === undefined || matchesMetadataFilter(tool.definition, filter));
  }

  /** A definition as the engine returns it: per-user requirement status with `user_id`, formats on request. */
  private present(definition: WireToolDefinition, query: URLSearchParams): WireToolDefinition {
    const copy = structuredClone(definition);
    const userId = query.get('user_id');
    const requirements = copy.requirements ?? {};
    copy.requirements = requirements;
    const secretsMet = (requirements.secrets ?? []).every((secret) => !this.missingSecrets.has(secret.key));
    for (const secret of requirements.secrets ?? []) {
      secret.met = !this.missingSecrets.has(secret.key);
      if (!secret.met) secret.status_reason = 'secret is not configured';
    }
    const authorization = requirements.authorization;
    if (authorization) authorization.status = 'active';
    if (userId) {
      let authorized = true;
      if (authorization?.provider_id) {
        const scopes = authorization.oauth2?.scopes ?? [];
        authorized = this.auth.covers(userId, authorization.provider_id, scopes);
        authorization.token_status = authorized ? 'completed' : 'not_started';
      }
      requirements.met = authorized && secretsMet;
    }
    const formats = query.get('include_format');
    if (formats) {
      copy.formatted_schema = Object.fromEntries(
        formats.split(',').map((format) => [format, formatTool(definition, format) ?? null]),
      );
    }
    return copy;
  }

  private requireUserId(body: Record<string, unknown>): string {
    const userId = body.user_id;
    if (typeof userId !== 'string' || userId.length === 0) {
      throw new HttpError(400, 'bad_request', 'user_id is required when calling with an API key');
    }
    return userId;
  }

  private resolveTool(body: Record<string, unknown>): FakeArcadeTool {
    if (typeof body.tool_name !== 'string') throw new HttpError(400, 'bad_request', 'tool_name is required');
    const version = typeof body.tool_version === 'string' ? body.tool_version : undefined;
    const tool = this.index.resolve(body.tool_name, version);
    if (!tool) throw TOOL_NOT_FOUND(400);
    return tool;
  }

  private authorizeTool(body: Record<string, unknown>) {
    const tool = this.resolveTool(body);
    const userId = this.requireUserId(body);
    const requirement = tool.definition.requirements?.authorization;
    if (!requirement?.provider_id) return { status: 'completed', user_id: userId };
    const authorization = this.auth.request(
      userId,
      requirement.provider_id,
      requirement.provider_type ?? 'oauth2',
      requirement.oauth2?.scopes ?? [],
      typeof body.next_uri === 'string' ? body.next_uri : undefined,
    );
    return this.auth.toWire(authorization);
  }

  private authorizeProvider(body: Record<string, unknown>) {
    const userId = this.requireUserId(body);
    const requirement = asObject(body.auth_requirement);
    const providerId = requirement.provider_id ?? requirement.id;
    if (typeof providerId !== 'string' || providerId.length === 0) {
      throw new HttpError(400, 'bad_request', 'auth_requirement needs provider_id or id');
    }
    const scopes = asObject(requirement.oauth2).scopes;
    const authorization = this.auth.request(
      userId,
      providerId,
      typeof requirement.provider_type === 'string' ? requirement.provider_type : 'oauth2',
      Array.isArray(scopes) ? scopes.map(String) : [],
      typeof body.next_uri === 'string' ? body.next_uri : undefined,
    );
    return this.auth.toWire(authorization);
  }

  private async status(query: URLSearchParams) {
    const id = query.get('id');
    if (!id) throw new HttpError(400, 'bad_request', 'id is required');
    const authorization = this.auth.find(id);
    if (!authorization) throw new HttpError(404, 'not_found', 'authorization not found');
    const wait = Math.min(Math.max(Number(query.get('wait') ?? 0) || 0, 0), 59);
    if (wait > 0 && authorization.status === 'pending') {
      await this.auth.waitForChange(id, wait * 1000);
      if (authorization.status === 'pending' && this.statusWaitExpiry === 'timeout_408') {
        throw new HttpError(408, 'timeout', 'authorization still pending');
      }
    }
    return { type: 'json' as const, status: 200, body: this.auth.toWire(authorization) };
  }

  private consentPage(id: string, query: URLSearchParams) {
    const authorization = query.get('decision') === 'deny' ? this.auth.fail(id) : this.auth.complete(id);
    if (!authorization) return { type: 'page' as const, status: 404, text: '<p>Unknown authorization.</p>' };
    if (authorization.nextUri)
      return { type: 'page' as const, status: 303, text: '', location: authorization.nextUri };
    const verdict = authorization.status === 'completed' ? 'Authorized' : 'Authorization failed';
    return { type: 'page' as const, status: 200, text: `<p>${verdict}. You can close this window.</p>` };
  }

  private async execute(body: Record<string, unknown>, record: RecordedRequest) {
    const started = performance.now();
    const tool = this.resolveTool(body);
    const { definition } = tool;
    const userId = typeof body.user_id === 'string' && body.user_id.length > 0 ? body.user_id : undefined;
    const requirement = definition.requirements?.authorization;
    if (requirement?.provider_id) {
      if (!userId)
        throw new HttpError(400, 'bad_request', 'user_id is required when calling with an API key');
      if (!this.auth.covers(userId, requirement.provider_id, requirement.oauth2?.scopes ?? [])) {
        throw new HttpError(403, 'tool_authorization_required', 'authorization required');
      }
    }
    const executionId = `te_${++this.executionSequence}`;
    const respond = (output: WireExecuteResponse['output'], success: boolean) => {
      const response: WireExecuteResponse = {
        id: executionId,
        execution_id: executionId,
        execution_type: 'immediate',
        status: success ? 'success' : 'failed',
        finished_at: new Date(this.clock.now()).toISOString(),
        duration: performance.now() - started,
        success,
        output: { ...output, logs: [] },
      };
      return { type: 'json' as const, status: 200, body: response };
    };
    const fail = (error: WireToolError) =>
      respond(
        {
          error:
            body.include_error_stacktrace === true ? { ...error, stacktrace: 'Traceback (fake)' } : error,
        },
        false,
      );

    const missing = (definition.requirements?.secrets ?? []).find((secret) =>
      this.missingSecrets.has(secret.key),
    );
    if (missing) {
      return fail({
        kind: 'TOOL_REQUIREMENTS_NOT_MET',
        message: `secret ${missing.key} is not configured`,
        can_retry: false,
      });
    }
    // A null optional parameter counts as absent (the JS `/lib` helpers forward nulls).
    const input = Object.fromEntries(
      Object.entries(asObject(body.input)).filter(([, value]) => value !== null),
    );
    const problem = checkToolInput(definition.input.parameters ?? [], body.input ?? {});
    if (problem) {
      return fail({
        kind: 'TOOL_RUNTIME_BAD_INPUT_VALUE',
        message: `invalid input: ${problem}`,
        can_retry: false,
      });
    }
    if (typeof body.run_at === 'string') {
      const response: WireExecuteResponse = {
        id: executionId,
        execution_id: executionId,
        execution_type: 'scheduled',
        status: 'scheduled',
        run_at: body.run_at,
        success: true,
      };
      return { type: 'json' as const, status: 200, body: response };
    }
    const queue = this.outcomes.get(definition.qualified_name.toLowerCase());
    const outcome = queue?.shift();
    this.executions.push({
      executionId,
      toolName: definition.qualified_name,
      version: definition.toolkit.version,
      userId,
      input,
      idempotencyKey: record.headers['idempotency-key'],
      retryCount: Number(record.headers['x-stainless-retry-count'] ?? 0),
    });
    if (outcome && 'error' in outcome) return fail(outcome.error);
    if (outcome && 'value' in outcome) return respond({ value: outcome.value }, true);
    if (outcome && 'authorization' in outcome && requirement?.provider_id) {
      const authorization = this.auth.request(
        userId!,
        requirement.provider_id,
        requirement.provider_type ?? 'oauth2',
        outcome.authorization.scopes,
        undefined,
      );
      return respond({ authorization: this.auth.toWire(authorization) }, false);
    }
    try {
      const value = tool.run(input, { userId: userId ?? '', state: this.toolState, now: this.clock.now() });
      return respond({ value }, true);
    } catch (error) {
      if (error instanceof FakeToolFailure) return fail(error.error);
      return fail({
        kind: 'TOOL_RUNTIME_FATAL',
        message: error instanceof Error ? error.message : String(error),
        can_retry: false,
      });
    }
  }
}
