import { z } from 'zod';
import type { Clock, ToolGovernanceSettings } from '@tristack/core';
import type { ResolveMcpCredentials } from './mcp-credentials.js';
import type { McpProgress } from './mcp-progress.js';

const headersSchema = z.record(z.string(), z.string());

const httpTransportSchema = z.object({
  type: z.literal('http'),
  // Only http(s): a `file:` or `data:` URL is never a server to send a user's credentials to.
  url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
  /** Try the legacy HTTP+SSE transport when the server refuses Streamable HTTP (404/405). */
  sseFallback: z.boolean().default(true),
  headers: headersSchema.optional(),
});

const stdioTransportSchema = z.object({
  type: z.literal('stdio'),
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
  cwd: z.string().min(1).optional(),
  /** Environment shared by every user's process (on top of the SDK's safe default environment). */
  env: z.record(z.string(), z.string()).optional(),
  /** Where a user's `bearerToken` goes in the spawned process's environment. */
  tokenEnvironmentVariable: z.string().min(1).default('MCP_BEARER_TOKEN'),
});

export const mcpTransportSchema = z.discriminatedUnion('type', [httpTransportSchema, stdioTransportSchema]);
export type McpTransportOptions = z.input<typeof mcpTransportSchema>;
export type ParsedMcpTransport = z.output<typeof mcpTransportSchema>;

const functionSchema = <T>(what: string) =>
  z.custom<T>((value) => typeof value === 'function', `${what} must be a function`);

// Model-facing names must match `^[A-Za-z0-9_-]{1,64}$`; a prefix keeps two servers' tools apart.
const prefixSchema = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'letters, digits, `_` or `-` (at most 32)');

export const mcpToolProviderOptionsSchema = z.object({
  name: z.string().min(1).default('mcp'),
  transport: mcpTransportSchema,
  credentials: functionSchema<ResolveMcpCredentials>('credentials').optional(),
  toolkit: z.string().min(1).optional(),
  toolNamePrefix: prefixSchema.optional(),
  maxSessions: z.number().int().positive().max(100_000).default(100),
  idleTimeoutMs: z.number().int().positive().default(300_000),
  maxSessionWaitMs: z.number().int().nonnegative().default(30_000),
  definitionTtlMs: z.number().int().nonnegative().default(300_000),
  requestTimeoutMs: z.number().int().positive().default(60_000),
  maxTotalTimeoutMs: z.number().int().positive().optional(),
  maxResultBytes: z
    .number()
    .int()
    .positive()
    .default(4 * 1024 * 1024),
  connectTimeoutMs: z.number().int().positive().default(30_000),
  approveDestructive: z.boolean().default(true),
  readOnlyResultTtlMs: z.number().int().nonnegative().default(0),
  maxListPages: z.number().int().positive().max(10_000).default(100),
  onProgress: functionSchema<(progress: McpProgress) => void>('onProgress').optional(),
  onToolListChanged:
    functionSchema<(identity: { userId: string; tenantId?: string }) => void>('onToolListChanged').optional(),
  onDiagnostic: functionSchema<(message: string) => void>('onDiagnostic').optional(),
  clientInfo: z.object({ name: z.string().min(1), version: z.string().min(1) }).default({
    name: 'tristack-mcp',
    version: '0.1.0',
  }),
});
export type ParsedMcpToolProviderOptions = z.output<typeof mcpToolProviderOptionsSchema>;

/** Options of `McpToolProvider`; also takes `policy`, `auditLog`, `rateLimiter`, `circuitBreaker` (see `ToolGovernanceSettings`). */
export interface McpToolProviderOptions extends ToolGovernanceSettings {
  /** Provider name on definitions, results and audit records. @default 'mcp' */
  name?: string;
  /** `{ type: 'http', url }` (Streamable HTTP, legacy SSE fallback) or `{ type: 'stdio', command, args }` (one process per user). */
  transport: McpTransportOptions;
  /** The trusted identity's credentials. @default none (the server needs no credentials) */
  credentials?: ResolveMcpCredentials;
  /** Toolkit name on the definitions (policies filter by it). @default the provider name */
  toolkit?: string;
  /** Prepended to model-facing names (`github_create_issue`), to keep several servers' tools apart. */
  toolNamePrefix?: string;
  /** Most open sessions (one per user): the least recently used idle one is closed for a new user. @default 100 */
  maxSessions?: number;
  /**
   * While all `maxSessions` are in use, a new user's call waits this long for one to be released
   * (then the least recently used idle session is closed for it), then answers `unavailable`. @default 30000
   */
  maxSessionWaitMs?: number;
  /** A session unused this long is closed (its process ends, for stdio). @default 300000 */
  idleTimeoutMs?: number;
  /** How long a user's tool listing is reused; `notifications/tools/list_changed` drops it at once. @default 300000 */
  definitionTtlMs?: number;
  /** A call with no answer (nor progress) for this long is cancelled and answers `unavailable`. @default 60000 */
  requestTimeoutMs?: number;
  /**
   * Longest a call may run even while it reports progress (each progress report restarts
   * `requestTimeoutMs`). @default 10 × `requestTimeoutMs` when `onProgress` is set, else none
   */
  maxTotalTimeoutMs?: number;
  /** A call's result larger than this (as JSON) answers a `tool_error` (`result_too_large`) instead. @default 4 MiB */
  maxResultBytes?: number;
  /** Longest wait for a session to open (connect + initialize). @default 30000 */
  connectTimeoutMs?: number;
  /** Tools the server declares destructive (MCP's default for tools that are not read-only) need a human's approval. @default true */
  approveDestructive?: boolean;
  /** Results of read-only idempotent tools are reused this long, per user and arguments (0 = never). @default 0 */
  readOnlyResultTtlMs?: number;
  /** Most `tools/list` pages read per listing. @default 100 */
  maxListPages?: number;
  /** Progress the server reports during a call (`notifications/progress`). */
  onProgress?: (progress: McpProgress) => void;
  /** A user's tool list changed on the server (`notifications/tools/list_changed`). */
  onToolListChanged?: (identity: { userId: string; tenantId?: string }) => void;
  /** Told when a server's tool is left out of the listing (unsafe name or schema). @default console.warn */
  onDiagnostic?: (message: string) => void;
  /** How this client introduces itself in `initialize`. */
  clientInfo?: { name: string; version: string };
  /** @default systemClock */
  clock?: Clock;
}
