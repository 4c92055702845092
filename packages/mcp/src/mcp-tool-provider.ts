import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { auth, UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import type { RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  AbortedError,
  BackendUnavailableError,
  InvalidInputError,
  systemClock,
  type AuthorizationWaitResult,
  type Clock,
  type ExecuteToolRequest,
  type ListToolsRequest,
  type ToolAuthorizationRequest,
  type ToolAuthorizationStatus,
  type ToolDefinition,
  type ToolProvider,
  type ToolRequirements,
  type ToolResult,
  type WaitForAuthorizationRequest,
} from '@tristack/core';
import {
  executeToolRequestSchema,
  isInToolkits,
  listToolsRequestSchema,
  parseInput,
  parseOptions,
  ToolGovernance,
  validateToolInput,
  waitForAuthorizationRequestSchema,
  type ParsedExecuteToolRequest,
} from '@tristack/core/driver-kit';
import { annotationToolPolicy } from './mcp-annotation-policy.js';
import type { CapturedAuthorization } from './mcp-authorization-capture.js';
import { McpAuthorizationRequiredError } from './mcp-authorization-required-error.js';
import {
  completeMcpAuthorizationRequestSchema,
  type CompleteMcpAuthorizationRequest,
} from './mcp-complete-authorization-request.js';
import type { McpCredentials, McpIdentity } from './mcp-credentials.js';
import {
  breaksSession,
  mapMcpRequestError,
  scrub,
  scrubToolError,
  withoutSecrets,
  withoutSecretsDeep,
} from './mcp-error-mapping.js';
import { outputOf, toolErrorOf } from './mcp-result-mapping.js';
import { McpResultTooLargeError, McpSession, secretsOf } from './mcp-session.js';
import { mcpSessionKey, McpSessionPool } from './mcp-session-pool.js';
import { toCatalogue, type McpCatalogueEntry } from './mcp-tool-definitions.js';
import {
  mcpToolProviderOptionsSchema,
  type McpToolProviderOptions,
  type ParsedMcpToolProviderOptions,
} from './mcp-tool-provider-options.js';

interface PendingAuthorization {
  id: string;
  key: string;
  status: 'pending' | 'completed' | 'failed';
}

/** Most consent flows remembered at once (one per identity is kept). */
const MAX_PENDING_AUTHORIZATIONS = 10_000;

/**
 * Any MCP server's tools as a governed `ToolProvider`: each user gets a session opened with that
 * user's own credentials (never shared), and every call goes through the same policy, approvals,
 * limits, breakers and audit as Arcade and local tools. A server asking for OAuth consent (401)
 * gives the same `authorization_required` result as Arcade consent.
 */
export class McpToolProvider implements ToolProvider {
  readonly name: string;
  private readonly settings: ParsedMcpToolProviderOptions;
  private readonly governance: ToolGovernance;
  private readonly pool: McpSessionPool;
  private readonly clock: Clock;
  private readonly onDiagnostic: (message: string) => void;
  private readonly catalogues = new WeakMap<object, McpCatalogueEntry[]>();
  private readonly authorizations = new Map<string, PendingAuthorization>();

  constructor(options: McpToolProviderOptions) {
    this.settings = parseOptions(mcpToolProviderOptionsSchema, options, {
      what: 'McpToolProvider',
      driver: 'mcp',
    });
    this.name = this.settings.name;
    this.clock = options.clock ?? systemClock;
    this.onDiagnostic = this.settings.onDiagnostic ?? ((message) => console.warn(`[tristack] ${message}`));
    this.governance = new ToolGovernance({
      ...options,
      policy: annotationToolPolicy(options.policy, { approveDestructive: this.settings.approveDestructive }),
      provider: this.name,
      clock: this.clock,
    });
    this.pool = new McpSessionPool({
      maxSessions: this.settings.maxSessions,
      idleTimeoutMs: this.settings.idleTimeoutMs,
      maxSessionWaitMs: this.settings.maxSessionWaitMs,
      clock: this.clock,
      driver: this.name,
      open: (key, identity, credentials, signal) => this.open(key, identity, credentials, signal),
    });
  }

  /** Open sessions (one per identity). */
  get sessionCount(): number {
    return this.pool.size;
  }

  async listTools(request: ListToolsRequest): Promise<ToolDefinition[]> {
    const parsed = parseInput(listToolsRequestSchema, request, {
      what: 'listTools request',
      driver: this.name,
    });
    const identity = identityOf(parsed);
    const { session, credentials } = await this.acquire(identity, parsed.signal);
    try {
      const catalogue = await this.catalogueOf(session, credentials, parsed.signal);
      const definitions = catalogue
        .map((entry) => entry.definition)
        .filter((tool) => isInToolkits(tool, parsed.toolkits));
      return await this.governance.filterTools(definitions, parsed);
    } catch (error) {
      if (parsed.signal?.aborted) throw new AbortedError('listTools was aborted', { driver: this.name });
      if (breaksSession(error)) await this.pool.discard(session);
      if (BackendUnavailableError.isInstance(error)) throw error;
      throw new BackendUnavailableError(
        `could not list the MCP server's tools: ${scrub(error instanceof Error ? error.message : String(error), session.secrets)}`,
        { driver: this.name },
      );
    } finally {
      this.pool.release(session);
    }
  }

  async execute(request: ExecuteToolRequest): Promise<ToolResult> {
    const parsed = parseInput(executeToolRequestSchema, request, {
      what: 'execute request',
      driver: this.name,
    });
    const identity = identityOf(parsed);
    let acquired: { session: McpSession; credentials: McpCredentials | undefined };
    try {
      acquired = await this.acquire(identity, parsed.signal);
    } catch (error) {
      if (AbortedError.isInstance(error)) throw error;
      if (McpAuthorizationRequiredError.isInstance(error)) {
        // Policy and approvals still come first; consent is asked only for an allowed call. The
        // user has no listing yet and another user's is no evidence: the tool is judged as a write.
        const tool = placeholderDefinition(parsed.toolName, this.name);
        return this.governance.execute(parsed, tool, async () => ({
          provider: this.name,
          toolName: tool.name,
          authorizationStatus: 'required',
          status: 'authorization_required',
          authorization: error.authorization,
        }));
      }
      return this.governance.unavailable(parsed, {
        kind: 'unavailable',
        message: 'the MCP server is unavailable',
        canRetry: true,
        providerKind: 'session_unavailable',
        developerMessage: scrub(error instanceof Error ? error.message : String(error), []),
      });
    }
    const { session, credentials } = acquired;
    try {
      let catalogue: McpCatalogueEntry[];
      try {
        catalogue = await this.catalogueOf(session, credentials, parsed.signal);
      } catch (error) {
        if (parsed.signal?.aborted) throw new AbortedError('the MCP call was aborted', { driver: this.name });
        if (breaksSession(error)) await this.pool.discard(session);
        return await this.governance.unavailable(
          parsed,
          scrubToolError(
            {
              kind: 'unavailable',
              message: 'the tool catalogue is unavailable',
              canRetry: true,
              developerMessage: error instanceof Error ? error.message : String(error),
            },
            session.secrets,
          ),
        );
      }
      const entry = this.find(catalogue, parsed.toolName);
      return await this.governance.execute(parsed, entry?.definition, () =>
        this.call(parsed, entry!, session),
      );
    } finally {
      this.pool.release(session);
    }
  }

  /**
   * Finishes a consent flow: call it from your OAuth callback with the `code` the authorization
   * server sent. Exchanges the code through the user's `authProvider` (which stores the tokens);
   * the next call of that user opens a session with them.
   */
  async completeAuthorization(request: CompleteMcpAuthorizationRequest): Promise<AuthorizationWaitResult> {
    const parsed = parseInput(completeMcpAuthorizationRequestSchema, request, {
      what: 'completeAuthorization request',
      driver: this.name,
    });
    const identity = identityOf(parsed);
    const key = mcpSessionKey(identity);
    const pending = [...this.authorizations.values()].find(
      (item) =>
        item.key === key && (parsed.authorizationId === undefined || item.id === parsed.authorizationId),
    );
    const owner =
      parsed.authorizationId !== undefined ? this.authorizations.get(parsed.authorizationId) : undefined;
    if (owner !== undefined && owner.key !== key) {
      // Another user's consent flow: never completed (nor its status told) for this caller.
      return { authorizationId: parsed.authorizationId!, status: 'failed' };
    }
    const authorizationId = pending?.id ?? parsed.authorizationId ?? '';
    const credentials = await this.settings.credentials?.(identity);
    if (this.settings.transport.type !== 'http' || !credentials?.authProvider) {
      throw new InvalidInputError(
        'completeAuthorization needs an HTTP transport and an `authProvider` for this user',
        {
          driver: this.name,
        },
      );
    }
    let outcome: string;
    try {
      outcome = await auth(credentials.authProvider, {
        serverUrl: this.settings.transport.url,
        authorizationCode: parsed.authorizationCode,
      });
    } catch (error) {
      if (pending) pending.status = 'failed';
      throw new BackendUnavailableError(
        `the authorization code could not be exchanged: ${scrub(error instanceof Error ? error.message : String(error), [parsed.authorizationCode])}`,
        { driver: this.name },
      );
    }
    const status = outcome === 'AUTHORIZED' ? 'completed' : 'failed';
    if (pending) pending.status = status;
    return { authorizationId, status };
  }

  async waitForAuthorization(request: WaitForAuthorizationRequest): Promise<AuthorizationWaitResult> {
    const parsed = parseInput(waitForAuthorizationRequestSchema, request, {
      what: 'waitForAuthorization request',
      driver: this.name,
    });
    const key = mcpSessionKey(identityOf(parsed));
    const deadline = this.clock.now() + parsed.timeoutMs;
    for (;;) {
      const pending = this.authorizations.get(parsed.authorizationId);
      // Another user's authorization id is no answer for this caller.
      if (!pending || pending.key !== key)
        return { authorizationId: parsed.authorizationId, status: 'failed' };
      if (pending.status !== 'pending') return { authorizationId: pending.id, status: pending.status };
      const remaining = deadline - this.clock.now();
      if (remaining <= 0) return { authorizationId: pending.id, status: 'pending' };
      try {
        await sleep(Math.min(remaining, 100), undefined, parsed.signal ? { signal: parsed.signal } : {});
      } catch (error) {
        throw new AbortedError('waitForAuthorization was aborted', { driver: this.name, cause: error });
      }
    }
  }

  /** Closes sessions idle for `idleTimeoutMs` now (a timer also does it); returns how many. */
  closeIdleSessions(): Promise<number> {
    return this.pool.closeIdle();
  }

  /** Closes every session (ends stdio processes); later calls fail. */
  async close(): Promise<void> {
    await this.pool.close();
  }

  /**
   * The tool a call names: its model-facing name first; a raw server name only when it names one
   * tool and is nobody's model-facing name (with a prefix, raw `crm_search` must never alias the
   * tool the model knows as `crm_search`).
   */
  private find(catalogue: readonly McpCatalogueEntry[], toolName: string): McpCatalogueEntry | undefined {
    const wanted = toolName.toLowerCase();
    const byName = catalogue.find((entry) => entry.definition.name.toLowerCase() === wanted);
    if (byName) return byName;
    const byRawName = catalogue.filter((entry) => entry.definition.qualifiedName.toLowerCase() === wanted);
    return byRawName.length === 1 ? byRawName[0] : undefined;
  }

  private async acquire(
    identity: McpIdentity,
    signal: AbortSignal | undefined,
  ): Promise<{ session: McpSession; credentials: McpCredentials | undefined }> {
    let credentials: McpCredentials | undefined;
    try {
      credentials = await this.settings.credentials?.(identity);
    } catch (error) {
      throw new BackendUnavailableError("the user's MCP credentials could not be resolved", {
        driver: this.name,
        cause: error,
      });
    }
    const session = await this.pool.acquire(identity, credentials, signal);
    return { session, credentials };
  }

  /** Opens one identity's session; a 401 with an OAuth challenge becomes `McpAuthorizationRequiredError`. */
  private async open(
    key: string,
    identity: McpIdentity,
    credentials: McpCredentials | undefined,
    signal: AbortSignal,
  ): Promise<McpSession> {
    const captured: CapturedAuthorization = { url: undefined };
    try {
      return await McpSession.open(key, identity, credentials, this.settings, this.clock, captured, signal);
    } catch (error) {
      if (captured.url && credentials?.authProvider) {
        throw new McpAuthorizationRequiredError(
          this.pendingAuthorization(key, captured.url, credentials, 'not_authorized'),
          { driver: this.name },
        );
      }
      if (error instanceof UnauthorizedError) throw error;
      // The SDK's and fetch's messages may quote a header value: the user's credentials are scrubbed.
      throw new BackendUnavailableError(
        `could not open an MCP session (${scrub(error instanceof Error ? error.message : String(error), secretsOf(credentials))})`,
        { driver: this.name },
      );
    }
  }

  private pendingAuthorization(
    key: string,
    url: URL,
    credentials: McpCredentials,
    reason: ToolAuthorizationRequest['reason'],
  ): ToolAuthorizationRequest {
    for (const [id, item] of this.authorizations) if (item.key === key) this.authorizations.delete(id);
    if (this.authorizations.size >= MAX_PENDING_AUTHORIZATIONS) {
      this.authorizations.delete(this.authorizations.keys().next().value!);
    }
    const id = randomUUID();
    this.authorizations.set(id, { id, key, status: 'pending' });
    return {
      id,
      url: url.toString(),
      providerId: this.name,
      scopes: scopesOf(credentials),
      reason,
    };
  }

  private async catalogueOf(
    session: McpSession,
    credentials: McpCredentials | undefined,
    signal: AbortSignal | undefined,
  ): Promise<McpCatalogueEntry[]> {
    const tools = await session.tools(signal);
    let catalogue = this.catalogues.get(tools);
    if (!catalogue) {
      const requirements: ToolRequirements = session.usesOAuth
        ? { authorization: { providerId: this.name, scopes: scopesOf(credentials) } }
        : {};
      catalogue = toCatalogue(tools, {
        provider: this.name,
        toolkit: this.settings.toolkit ?? this.name,
        prefix: this.settings.toolNamePrefix,
        requirements,
        onDiagnostic: this.onDiagnostic,
      });
      this.catalogues.set(tools, catalogue);
    }
    return catalogue;
  }

  /** Model arguments (validated) plus the application's trusted input, which wins. */
  private buildInput(parsed: ParsedExecuteToolRequest, entry: McpCatalogueEntry) {
    // Read without a prototype: a parameter named `constructor` or `toString` left out is absent,
    // not Object.prototype's function.
    const validation = validateToolInput(
      entry.definition.inputZodSchema,
      withoutPrototype(parsed.input ?? {}),
      entry.definition.name,
    );
    if (!validation.ok) return validation;
    const trusted = parsed.trustedInput ?? {};
    const undeclared = Object.keys(trusted).filter((key) => !entry.parameterNames.has(key));
    if (undeclared.length > 0) {
      throw new InvalidInputError(
        `trustedInput has parameters ${entry.definition.name} does not declare: ${undeclared.join(', ')}`,
        { driver: this.name },
      );
    }
    const input = withoutPrototype({});
    for (const [key, value] of Object.entries({ ...validation.value, ...trusted })) {
      if (value !== undefined) input[key] = value;
    }
    return { ok: true as const, value: input };
  }

  private async call(
    parsed: ParsedExecuteToolRequest,
    entry: McpCatalogueEntry,
    session: McpSession,
  ): Promise<ToolResult> {
    const { definition } = entry;
    const input = this.buildInput(parsed, entry);
    const authorizationStatus: ToolAuthorizationStatus = session.usesOAuth ? 'authorized' : 'not_required';
    if (!input.ok) return this.governance.errorResult(definition.name, input.error, { authorizationStatus });
    const behavior = definition.behavior;
    const sideEffectsSafe =
      behavior.readOnly === true || behavior.idempotent === true || parsed.idempotencyKey !== undefined;
    const onProgress = this.settings.onProgress;
    // Progress restarts the request timeout: with an observer, a server reporting progress forever
    // must still be stopped, so a total timeout applies by default.
    const maxTotalTimeout =
      this.settings.maxTotalTimeoutMs ?? (onProgress ? 10 * this.settings.requestTimeoutMs : undefined);
    const options: RequestOptions = {
      timeout: this.settings.requestTimeoutMs,
      resetTimeoutOnProgress: true,
      ...(maxTotalTimeout !== undefined ? { maxTotalTimeout } : {}),
      ...(parsed.signal ? { signal: parsed.signal } : {}),
      ...(onProgress
        ? {
            onprogress: (progress) => {
              try {
                onProgress({
                  userId: parsed.userId,
                  ...(parsed.tenantId !== undefined ? { tenantId: parsed.tenantId } : {}),
                  toolName: definition.name,
                  progress: progress.progress,
                  ...(progress.total !== undefined ? { total: progress.total } : {}),
                  ...(progress.message !== undefined
                    ? { message: withoutSecrets(progress.message, session.secrets) }
                    : {}),
                });
              } catch {
                // A failing observer must not fail the call.
              }
            },
          }
        : {}),
    };
    const cacheTtlMs =
      behavior.readOnly === true && behavior.idempotent === true ? this.settings.readOnlyResultTtlMs : 0;
    // The provider's id for the call: the audit trail tells "the tool ran and failed" by it.
    const executionId = randomUUID();
    const base = { provider: this.name, toolName: definition.name, authorizationStatus };
    let result;
    try {
      result = await session.callTool({ name: entry.tool.name, arguments: input.value }, options, cacheTtlMs);
    } catch (error) {
      if (error instanceof UnauthorizedError && session.captured.url) {
        // Authorized a moment ago, refused now: the grant was revoked mid-run. Ask again.
        await this.pool.discard(session);
        const credentials = await Promise.resolve(this.settings.credentials?.(session.identity)).catch(
          () => undefined,
        );
        return {
          ...base,
          authorizationStatus: 'revoked',
          status: 'authorization_required',
          authorization: this.pendingAuthorization(
            session.key,
            session.captured.url,
            credentials ?? {},
            'revoked',
          ),
        };
      }
      if (error instanceof McpResultTooLargeError) {
        return this.governance.errorResult(
          definition.name,
          { kind: 'upstream', message: error.message, canRetry: false, providerKind: 'result_too_large' },
          { authorizationStatus },
        );
      }
      const aborted = parsed.signal?.aborted === true;
      if (!aborted && breaksSession(error)) await this.pool.discard(session);
      return this.governance.errorResult(
        definition.name,
        mapMcpRequestError(error, { sideEffectsSafe, aborted, driver: this.name, secrets: session.secrets }),
        { authorizationStatus },
      );
    }
    if (result.isError === true) {
      return {
        ...base,
        executionId,
        status: 'tool_error',
        error: toolErrorOf(result, definition.name, session.secrets),
      };
    }
    return {
      ...base,
      executionId,
      status: 'success',
      output: withoutSecretsDeep(outputOf(result), session.secrets),
    };
  }
}

function identityOf(parsed: { userId: string; tenantId?: string | undefined }): McpIdentity {
  return { userId: parsed.userId, ...(parsed.tenantId !== undefined ? { tenantId: parsed.tenantId } : {}) };
}

/** A copy with no prototype: `__proto__` is an own key when set, inherited names are absent. */
function withoutPrototype(value: Record<string, unknown>): Record<string, unknown> {
  const copy = Object.create(null) as Record<string, unknown>;
  for (const [key, item] of Object.entries(value)) copy[key] = item;
  return copy;
}

function scopesOf(credentials: McpCredentials | undefined): string[] {
  const scope = credentials?.authProvider?.clientMetadata.scope;
  return scope ? scope.split(' ').filter(Boolean) : [];
}

/** Stands in for a tool no session has listed yet (the user must consent first): judged as a write. */
function placeholderDefinition(toolName: string, provider: string): ToolDefinition {
  return {
    name: toolName,
    qualifiedName: toolName,
    provider,
    description: '',
    inputJsonSchema: { type: 'object' },
    inputZodSchema: undefined as never,
    requirements: {},
    behavior: {},
    requiresApproval: false,
  };
}
