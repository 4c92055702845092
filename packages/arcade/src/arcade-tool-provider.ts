import { setTimeout as sleep } from 'node:timers/promises';
import { Arcade, ArcadeError, PermissionDeniedError } from '@arcadeai/arcadejs';
import {
  InvalidInputError,
  InvalidOptionsError,
  systemClock,
  type AuthorizationWaitResult,
  type ExecuteToolRequest,
  type ListToolsRequest,
  type ToolAuthorizationStatus,
  type ToolDefinition,
  type ToolProvider,
  type ToolResult,
  type WaitForAuthorizationRequest,
} from '@tristack/core';
import {
  parseInput,
  parseOptions,
  executeToolRequestSchema,
  isInToolkits,
  listToolsRequestSchema,
  ToolGovernance,
  validateToolInput,
  waitForAuthorizationRequestSchema,
  type ParsedExecuteToolRequest,
} from '@tristack/core/driver-kit';
import {
  mapArcadeRequestError,
  mapArcadeToolError,
  redactToolError,
  TRANSIENT_ARCADE_KINDS,
} from './arcade-error-mapping.js';
import { ArcadeToolCatalogue, type ArcadeCatalogueEntry } from './arcade-tool-catalogue.js';
import {
  arcadeToolProviderOptionsSchema,
  type ArcadeToolProviderOptions,
} from './arcade-tool-provider-options.js';
import { defaultArcadeUserId, type ArcadeCaller } from './arcade-user-id.js';
import { tokenRedactingFetch } from './token-redacting-fetch.js';
import { waitForArcadeAuthorization } from './wait-for-arcade-authorization.js';

function createClient(options: ArcadeToolProviderOptions): Arcade {
  const fetch = tokenRedactingFetch(options.fetch ?? globalThis.fetch);
  const overrides = {
    fetch,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.logLevel ? { logLevel: options.logLevel } : {}),
    ...(options.requestTimeoutMs ? { timeout: options.requestTimeoutMs } : {}),
    ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
  };
  if (options.client) return options.client.withOptions(overrides);
  try {
    return new Arcade({
      ...(options.apiKey !== undefined ? { apiKey: options.apiKey } : {}),
      ...(options.baseURL !== undefined ? { baseURL: options.baseURL } : {}),
      ...overrides,
    });
  } catch (error) {
    if (error instanceof ArcadeError) {
      throw new InvalidOptionsError('ArcadeToolProvider needs `apiKey`, `client` or ARCADE_API_KEY', {
        driver: 'arcade',
        cause: error,
      });
    }
    throw error;
  }
}

/**
 * Arcade tools as a `ToolProvider`: per-user OAuth with consent, policy and approvals, safe
 * retries and typed results. The user id always comes from the trusted request, never from the
 * model's arguments; OAuth tokens never reach this process (responses are stripped on arrival).
 */
export class ArcadeToolProvider implements ToolProvider {
  readonly name: string;
  private readonly client: Arcade;
  private readonly catalogue: ArcadeToolCatalogue;
  private readonly governance: ToolGovernance;
  private readonly settings: ReturnType<typeof arcadeToolProviderOptionsSchema.parse>;
  private readonly arcadeUserId: (caller: ArcadeCaller) => string;

  constructor(options: ArcadeToolProviderOptions) {
    this.settings = parseOptions(arcadeToolProviderOptionsSchema, options, {
      what: 'ArcadeToolProvider',
      driver: 'arcade',
    });
    this.name = this.settings.name;
    this.client = createClient(options);
    const clock = options.clock ?? systemClock;
    this.arcadeUserId = options.arcadeUserId ?? defaultArcadeUserId;
    this.governance = new ToolGovernance({ ...options, provider: this.name, clock });
    this.catalogue = new ArcadeToolCatalogue({
      client: this.client,
      provider: this.name,
      toolkits: this.settings.toolkits,
      tools: this.settings.tools,
      ttlMs: this.settings.definitionTtlMs,
      clock,
    });
  }

  async listTools(request: ListToolsRequest): Promise<ToolDefinition[]> {
    const parsed = parseInput(listToolsRequestSchema, request, {
      what: 'listTools request',
      driver: this.name,
    });
    const definitions = (await this.catalogue.get())
      .map((entry) => entry.definition)
      .filter((tool) => isInToolkits(tool, parsed.toolkits));
    return this.governance.filterTools(definitions, parsed);
  }

  /** Forgets cached tool definitions; the next call fetches them again. */
  invalidateDefinitions(): void {
    this.catalogue.invalidate();
  }

  async execute(request: ExecuteToolRequest): Promise<ToolResult> {
    const parsed = parseInput(executeToolRequestSchema, request, {
      what: 'execute request',
      driver: this.name,
    });
    let entries: ArcadeCatalogueEntry[];
    try {
      entries = await this.catalogue.get();
    } catch (error) {
      // The listing error quotes its request or the upstream's answer: it may carry a credential.
      return this.governance.unavailable(
        parsed,
        redactToolError({
          kind: 'unavailable',
          message: 'the tool catalogue is unavailable',
          canRetry: true,
          developerMessage: error instanceof Error ? error.message : String(error),
        }),
      );
    }
    const wanted = parsed.toolName.toLowerCase();
    const entry = entries.find(
      (item) => item.definition.name.toLowerCase() === wanted || item.qualifiedName.toLowerCase() === wanted,
    );
    return this.governance.execute(parsed, entry?.definition, () => this.call(parsed, entry!));
  }

  async waitForAuthorization(request: WaitForAuthorizationRequest): Promise<AuthorizationWaitResult> {
    const parsed = parseInput(waitForAuthorizationRequestSchema, request, {
      what: 'waitForAuthorization request',
      driver: this.name,
    });
    return waitForArcadeAuthorization(this.client, {
      authorizationId: parsed.authorizationId,
      arcadeUserId: this.arcadeUserId(parsed),
      timeoutMs: parsed.timeoutMs,
      signal: parsed.signal,
      driver: this.name,
    });
  }

  /** Model arguments (validated, non-inferrable ones dropped) plus the application's trusted input. */
  private buildInput(parsed: ParsedExecuteToolRequest, entry: ArcadeCatalogueEntry) {
    const validation = validateToolInput(
      entry.definition.inputZodSchema,
      parsed.input,
      entry.definition.name,
    );
    if (!validation.ok) return validation;
    const trusted = parsed.trustedInput ?? {};
    const undeclared = Object.keys(trusted).filter((key) => !entry.parameterNames.has(key));
    if (undeclared.length > 0) {
      throw new InvalidInputError(
        `trustedInput has parameters ${entry.definition.name} does not declare: ${undeclared.join(', ')}`,
        {
          driver: this.name,
        },
      );
    }
    const input: Record<string, unknown> = {};
    for (const [key, value] of Object.entries({ ...validation.value, ...trusted })) {
      if (value !== undefined) input[key] = value;
    }
    return { ok: true as const, value: input };
  }

  private async call(parsed: ParsedExecuteToolRequest, entry: ArcadeCatalogueEntry): Promise<ToolResult> {
    const { definition } = entry;
    const input = this.buildInput(parsed, entry);
    if (!input.ok)
      return this.governance.errorResult(definition.name, input.error, { toolVersion: definition.version });
    const userId = this.arcadeUserId(parsed);
    const target = {
      tool_name: entry.qualifiedName,
      ...(entry.version !== undefined ? { tool_version: entry.version } : {}),
      user_id: userId,
    };
    const base = { provider: this.name, toolName: definition.name, toolVersion: definition.version };
    const requiresAuthorization = definition.requirements.authorization !== undefined;
    let authorizationStatus: ToolAuthorizationStatus = 'not_required';

    if (requiresAuthorization) {
      const preflight = await this.authorize(target, parsed, base, 'not_authorized');
      if (preflight) return preflight;
      authorizationStatus = 'authorized';
    }

    // Side effects are never repeated blindly: only idempotent tools or keyed calls are retried.
    const retriable = definition.behavior.idempotent === true || parsed.idempotencyKey !== undefined;
    for (let attempt = 0; ; attempt++) {
      let response: Arcade.ExecuteToolResponse;
      try {
        response = await this.client.tools.execute(
          { ...target, input: input.value },
          {
            maxRetries: retriable ? this.settings.maxRetries : 0,
            ...(parsed.idempotencyKey !== undefined ? { idempotencyKey: parsed.idempotencyKey } : {}),
            ...(parsed.signal ? { signal: parsed.signal } : {}),
          },
        );
      } catch (error) {
        if (
          requiresAuthorization &&
          (error instanceof PermissionDeniedError || (error as { status?: unknown }).status === 403)
        ) {
          // Authorized a moment ago, refused now: consent was revoked mid-run. Ask again.
          const again = await this.authorize(
            target,
            parsed,
            { ...base, authorizationStatus: 'revoked' },
            'revoked',
          );
          return (
            again ??
            this.governance.errorResult(
              definition.name,
              {
                kind: 'upstream',
                message: `Arcade refused ${definition.name} although the user's authorization is complete.`,
                canRetry: true,
                providerKind: 'tool_authorization_required',
                statusCode: 403,
              },
              { toolVersion: definition.version, authorizationStatus: 'revoked' },
            )
          );
        }
        return this.governance.errorResult(
          definition.name,
          mapArcadeRequestError(error, retriable, this.name),
          {
            toolVersion: definition.version,
            authorizationStatus,
          },
        );
      }
      const result = { ...base, authorizationStatus };
      if (typeof response !== 'object' || response === null) {
        return this.governance.errorResult(
          definition.name,
          { kind: 'unknown', message: 'Arcade answered with an unexpected body.', canRetry: false },
          result,
        );
      }
      const executionId = response.execution_id ?? response.id;
      const withExecution = executionId !== undefined ? { ...result, executionId } : result;
      const output = response.output;
      if (output?.authorization && output.authorization.status !== 'completed' && output.authorization.url) {
        // The tool asked for more scopes at run time.
        return {
          ...withExecution,
          authorizationStatus: 'required',
          status: 'authorization_required',
          authorization: {
            id: output.authorization.id ?? '',
            url: output.authorization.url,
            ...(output.authorization.provider_id ? { providerId: output.authorization.provider_id } : {}),
            scopes: output.authorization.scopes ?? [],
            reason: 'not_authorized',
          },
        };
      }
      if (response.success === true) return { ...withExecution, status: 'success', output: output?.value };
      const error = output?.error
        ? mapArcadeToolError(output.error)
        : {
            kind: 'unknown' as const,
            message: `${definition.name} failed without details.`,
            canRetry: false,
          };
      const delay = error.retryAfterMs ?? 0;
      const retryable =
        retriable &&
        error.canRetry &&
        TRANSIENT_ARCADE_KINDS.has(error.providerKind ?? '') &&
        attempt < this.settings.maxRetries &&
        delay <= this.settings.maxRetryDelayMs;
      if (!retryable) return { ...withExecution, status: 'tool_error', error };
      // An abort ends the pause early; the next attempt then sees the aborted signal.
      await sleep(delay, undefined, { signal: parsed.signal }).catch(() => undefined);
    }
  }

  /**
   * Preflight: `tools.authorize` answers `completed` when the user's grant covers the tool, or a
   * pending authorization with a consent URL. Returns the `authorization_required` result, or
   * undefined when authorized. Only whitelisted fields leave this method: never `context`.
   */
  private async authorize(
    target: { tool_name: string; tool_version?: string; user_id: string },
    parsed: ParsedExecuteToolRequest,
    base: {
      provider: string;
      toolName: string;
      toolVersion: string | undefined;
      authorizationStatus?: ToolAuthorizationStatus;
    },
    reason: 'not_authorized' | 'revoked',
  ): Promise<ToolResult | undefined> {
    let response: Arcade.AuthorizationResponse;
    try {
      response = await this.client.tools.authorize(
        { ...target, ...(this.settings.nextUri ? { next_uri: this.settings.nextUri } : {}) },
        parsed.signal ? { signal: parsed.signal } : {},
      );
    } catch (error) {
      return this.governance.errorResult(base.toolName, mapArcadeRequestError(error, true, this.name), {
        toolVersion: base.toolVersion,
        authorizationStatus: base.authorizationStatus ?? 'required',
      });
    }
    if (response.status === 'completed') return undefined;
    if (!response.url || !response.id) {
      return this.governance.errorResult(
        base.toolName,
        {
          kind: 'upstream',
          message: `authorization for ${base.toolName} ${response.status === 'failed' ? 'failed' : 'is not possible right now'}.`,
          canRetry: response.status !== 'failed',
          providerKind: `authorization_${response.status ?? 'unknown'}`,
        },
        { toolVersion: base.toolVersion, authorizationStatus: 'required' },
      );
    }
    return {
      ...base,
      authorizationStatus: base.authorizationStatus ?? 'required',
      status: 'authorization_required',
      authorization: {
        id: response.id,
        url: response.url,
        ...(response.provider_id ? { providerId: response.provider_id } : {}),
        scopes: response.scopes ?? [],
        reason,
      },
    };
  }
}
