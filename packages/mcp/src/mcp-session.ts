import { createHash } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  ToolListChangedNotificationSchema,
  type CallToolRequest,
  type CallToolResult,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { Clock } from '@tristack/core';
import { captureAuthorization, type CapturedAuthorization } from './mcp-authorization-capture.js';
import type { McpCredentials, McpIdentity } from './mcp-credentials.js';
import type { ParsedMcpToolProviderOptions } from './mcp-tool-provider-options.js';

const providerIds = new WeakMap<object, number>();
let nextProviderId = 0;

/** Which credentials a session was opened with, without keeping them: a hash, compared on each call. */
export function credentialsFingerprint(credentials: McpCredentials | undefined): string {
  if (!credentials) return 'none';
  let authProvider: number | undefined;
  if (credentials.authProvider) {
    authProvider = providerIds.get(credentials.authProvider);
    if (authProvider === undefined) {
      authProvider = nextProviderId++;
      providerIds.set(credentials.authProvider, authProvider);
    }
  }
  return createHash('sha256')
    .update(
      JSON.stringify([
        credentials.bearerToken ?? null,
        Object.entries(credentials.headers ?? {}).sort(),
        Object.entries(credentials.env ?? {}).sort(),
        authProvider ?? null,
      ]),
    )
    .digest('hex');
}

/** The secret strings of a user's credentials: scrubbed from every error text before it leaves. */
export function secretsOf(credentials: McpCredentials | undefined): string[] {
  if (!credentials) return [];
  const values = [
    credentials.bearerToken,
    ...Object.values(credentials.headers ?? {}),
    ...Object.values(credentials.env ?? {}),
  ].filter((value): value is string => typeof value === 'string');
  // An error may quote one line of a multi-line value: each line is a secret too. Longest first,
  // so a whole value is replaced before its parts.
  const parts = values.flatMap((value) => [value, ...value.split(/[\r\n]+/)]);
  return [...new Set(parts.filter((value) => value.length >= 4))].sort((a, b) => b.length - a.length);
}

/**
 * Later headers replace earlier ones whatever their case (HTTP names are case-insensitive): a
 * shared `Authorization` is replaced by the user's, never sent joined with it.
 */
export function mergeHeaders(...sources: (Record<string, string> | undefined)[]): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const source of sources) {
    for (const [name, value] of Object.entries(source ?? {})) merged[name.toLowerCase()] = value;
  }
  return merged;
}

const MAX_CACHED_RESULTS = 256;
/** Most bytes of results one session keeps for reuse. */
const MAX_CACHED_BYTES = 16 * 1024 * 1024;

/** A result larger than `maxResultBytes`: never given to the model, the audit or the cache. */
export class McpResultTooLargeError extends Error {
  constructor(
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`the tool's result is ${bytes} bytes, more than the limit of ${limit}`);
  }
}

/** Size of a result as JSON, the form it travels in. */
function resultBytes(result: CallToolResult): number {
  return Buffer.byteLength(JSON.stringify(result));
}

interface CachedResult {
  result: CallToolResult;
  expiresAt: number;
  bytes: number;
}

/**
 * One user's connection to the MCP server: an SDK `Client` over its own transport (its own
 * process, for stdio), opened with that user's credentials and never lent to anyone else.
 */
export class McpSession {
  /** Calls in flight: an active session is never closed for idleness or evicted. */
  active = 0;
  lastUsedAt: number;
  /** True once the server accepted the user's OAuth tokens (an `authProvider` session). */
  readonly usesOAuth: boolean;
  private toolsCache: { tools: Tool[]; fetchedAt: number } | undefined;
  private listing: Promise<Tool[]> | undefined;
  private readonly results = new Map<string, CachedResult>();
  private cachedBytes = 0;
  private closed = false;

  private constructor(
    readonly key: string,
    readonly identity: McpIdentity,
    readonly fingerprint: string,
    readonly secrets: string[],
    private readonly client: Client,
    private readonly transport: Transport,
    private readonly settings: ParsedMcpToolProviderOptions,
    private readonly clock: Clock,
    readonly captured: CapturedAuthorization,
    usesOAuth: boolean,
  ) {
    this.lastUsedAt = clock.now();
    this.usesOAuth = usesOAuth;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      this.invalidateTools();
      settings.onToolListChanged?.({
        userId: identity.userId,
        ...(identity.tenantId !== undefined ? { tenantId: identity.tenantId } : {}),
      });
    });
  }

  /** Connects and initializes. Throws what the SDK throws (the caller maps it). */
  static async open(
    key: string,
    identity: McpIdentity,
    credentials: McpCredentials | undefined,
    settings: ParsedMcpToolProviderOptions,
    clock: Clock,
    captured: CapturedAuthorization,
    signal: AbortSignal,
  ): Promise<McpSession> {
    const transport = settings.transport;
    const connect = async (make: () => Transport) => {
      const client = new Client(settings.clientInfo, { capabilities: {} });
      const made = make();
      try {
        await client.connect(made, { timeout: settings.connectTimeoutMs, signal });
      } catch (error) {
        await client.close().catch(() => undefined);
        throw error;
      }
      return { client, transport: made };
    };
    const authProvider = credentials?.authProvider
      ? captureAuthorization(credentials.authProvider, captured)
      : undefined;
    let opened: { client: Client; transport: Transport };
    if (transport.type === 'stdio') {
      const env: Record<string, string> = {
        ...getDefaultEnvironment(),
        ...transport.env,
        ...credentials?.env,
        ...(credentials?.bearerToken !== undefined
          ? { [transport.tokenEnvironmentVariable]: credentials.bearerToken }
          : {}),
      };
      opened = await connect(
        () =>
          new StdioClientTransport({
            command: transport.command,
            args: transport.args,
            env,
            // The server's stderr may echo the user's credentials: it never reaches this process's output.
            stderr: 'ignore',
            ...(transport.cwd !== undefined ? { cwd: transport.cwd } : {}),
          }),
      );
    } else {
      const headers = mergeHeaders(
        transport.headers,
        credentials?.headers,
        credentials?.bearerToken !== undefined ? { authorization: `Bearer ${credentials.bearerToken}` } : {},
      );
      const url = new URL(transport.url);
      const options = { requestInit: { headers }, ...(authProvider ? { authProvider } : {}) };
      try {
        opened = await connect(() => new StreamableHTTPClientTransport(url, options));
      } catch (error) {
        const status = error instanceof StreamableHTTPError ? error.code : undefined;
        if (!transport.sseFallback || (status !== 404 && status !== 405)) throw error;
        // An older server (protocol 2024-11-05) speaks only HTTP+SSE.
        opened = await connect(() => new SSEClientTransport(url, options));
      }
    }
    return new McpSession(
      key,
      identity,
      credentialsFingerprint(credentials),
      secretsOf(credentials),
      opened.client,
      opened.transport,
      settings,
      clock,
      captured,
      authProvider !== undefined,
    );
  }

  get isClosed(): boolean {
    return this.closed;
  }

  invalidateTools(): void {
    this.toolsCache = undefined;
    this.listing = undefined;
  }

  /** Every page of `tools/list`, cached for `definitionTtlMs` or until the server says it changed. */
  async tools(signal?: AbortSignal): Promise<Tool[]> {
    const cached = this.toolsCache;
    if (cached && this.clock.now() - cached.fetchedAt < this.settings.definitionTtlMs) return cached.tools;
    if (!this.listing) {
      const listing = this.fetchTools(signal);
      this.listing = listing;
      listing.then(
        (tools) => {
          if (this.listing === listing) this.toolsCache = { tools, fetchedAt: this.clock.now() };
        },
        () => undefined,
      );
      listing
        .finally(() => {
          if (this.listing === listing) this.listing = undefined;
        })
        .catch(() => undefined);
    }
    return this.listing;
  }

  private async fetchTools(signal: AbortSignal | undefined): Promise<Tool[]> {
    const tools: Tool[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < this.settings.maxListPages; page++) {
      const answer = await this.client.listTools(cursor !== undefined ? { cursor } : {}, {
        timeout: this.settings.requestTimeoutMs,
        ...(signal ? { signal } : {}),
      });
      tools.push(...answer.tools);
      cursor = answer.nextCursor;
      if (cursor === undefined) break;
    }
    return tools;
  }

  async callTool(
    params: CallToolRequest['params'],
    options: RequestOptions,
    cacheTtlMs: number,
  ): Promise<CallToolResult> {
    const cacheKey = cacheTtlMs > 0 ? stableJson([params.name, params.arguments ?? {}]) : undefined;
    const now = this.clock.now();
    if (cacheKey !== undefined) {
      const hit = this.results.get(cacheKey);
      if (hit && hit.expiresAt > now) return hit.result;
      this.forget(cacheKey);
    }
    const result = (await this.client.callTool(params, undefined, options)) as CallToolResult;
    const bytes = resultBytes(result);
    if (bytes > this.settings.maxResultBytes) {
      throw new McpResultTooLargeError(bytes, this.settings.maxResultBytes);
    }
    if (cacheKey !== undefined && result.isError !== true && bytes <= MAX_CACHED_BYTES) {
      // Bounded by count and by bytes: the oldest results go first.
      while (
        this.results.size > 0 &&
        (this.results.size >= MAX_CACHED_RESULTS || this.cachedBytes + bytes > MAX_CACHED_BYTES)
      ) {
        this.forget(this.results.keys().next().value!);
      }
      this.results.set(cacheKey, { result, expiresAt: now + cacheTtlMs, bytes });
      this.cachedBytes += bytes;
    }
    return result;
  }

  private forget(cacheKey: string): void {
    const cached = this.results.get(cacheKey);
    if (!cached) return;
    this.results.delete(cacheKey);
    this.cachedBytes -= cached.bytes;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.results.clear();
    this.cachedBytes = 0;
    if (this.transport instanceof StreamableHTTPClientTransport) {
      // Ends the server-side session too, not only this end.
      await this.transport.terminateSession().catch(() => undefined);
    }
    await this.client.close().catch(() => undefined);
  }
}

function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item && typeof item === 'object' && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : item,
  );
}
