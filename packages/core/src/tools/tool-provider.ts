import { z } from 'zod';
import { idSchema } from '../ids.js';
import { jsonObjectSchema, MAX_METADATA_DEPTH } from '../json-boundary.js';
import type { ToolDefinition } from './tool-definition.js';
import type { ToolResult } from './tool-result.js';

/** Most UTF-8 bytes of a call's arguments (`input`, and `trustedInput` on its own) as JSON: 4 MiB. */
export const MAX_TOOL_INPUT_BYTES = 4 * 1024 * 1024;

// Tool arguments are JSON (they travel to the upstream as JSON): checked without recursion for
// depth, cycles and size before any tool schema or upstream sees them.
const toolArgumentsSchema = jsonObjectSchema({
  maxDepth: MAX_METADATA_DEPTH,
  maxBytes: MAX_TOOL_INPUT_BYTES,
});

const abortSignalSchema = z.custom<AbortSignal>(
  (value) => value instanceof AbortSignal,
  'must be an AbortSignal',
);

/**
 * Who the call runs for. `userId` (and `tenantId`) come from the trusted run context
 * (the authenticated session, LangGraph `configurable`), never from model arguments.
 */
export const toolCallerSchema = z.object({
  userId: idSchema,
  tenantId: idSchema.optional(),
});

export const listToolsRequestSchema = toolCallerSchema.extend({
  /** Only tools of these toolkits (case-insensitive); all configured toolkits when omitted. */
  toolkits: z.array(z.string().min(1)).optional(),
  signal: abortSignalSchema.optional(),
});
export type ListToolsRequest = z.input<typeof listToolsRequestSchema>;

/** A human's approval of one call, given after an `approval_required` result. */
export const toolApprovalSchema = z.object({
  /** Id of the person who approved. */
  approvedBy: idSchema,
  note: z.string().max(2_000).optional(),
});
export type ToolApproval = z.infer<typeof toolApprovalSchema>;

export const executeToolRequestSchema = toolCallerSchema.extend({
  /** Model-facing name (`Github_CreateIssue`) or qualified name (`Github.CreateIssue`). */
  toolName: z.string().min(1).max(256),
  /** Arguments from the model; validated against the tool's schema (a mismatch is an `invalid_input` result). */
  input: toolArgumentsSchema.default({}),
  /**
   * Arguments the application supplies, never the model (e.g. non-inferrable parameters).
   * They override model arguments of the same name.
   */
  trustedInput: toolArgumentsSchema.optional(),
  /** Lets the provider retry a call with side effects and lets the upstream deduplicate it. */
  idempotencyKey: idSchema.optional(),
  approval: toolApprovalSchema.optional(),
  /** The model's tool-call id, the agent run id and the conversation (thread), for the audit trail. */
  toolCallId: z.string().max(256).optional(),
  runId: idSchema.optional(),
  conversationId: idSchema.optional(),
  signal: abortSignalSchema.optional(),
});
export type ExecuteToolRequest = z.input<typeof executeToolRequestSchema>;
export type ParsedExecuteToolRequest = z.output<typeof executeToolRequestSchema>;

export const waitForAuthorizationRequestSchema = toolCallerSchema.extend({
  authorizationId: z.string().min(1).max(256),
  /** Name of the provider that issued the authorization (routes the call in a composite). */
  provider: z.string().min(1).optional(),
  /** Give up after this long and answer `pending`. @default 60000 */
  timeoutMs: z.number().int().positive().max(3_600_000).default(60_000),
  signal: abortSignalSchema.optional(),
});
export type WaitForAuthorizationRequest = z.input<typeof waitForAuthorizationRequestSchema>;

/** `pending` means the deadline passed first; `failed` is terminal (consent denied or broken flow). */
export interface AuthorizationWaitResult {
  authorizationId: string;
  status: 'completed' | 'failed' | 'pending';
  scopes?: string[];
}

/**
 * A source of tools for agents. Implementations: `LocalToolProvider` (zod-defined functions),
 * `ArcadeToolProvider` (`@tristack/arcade`), `CompositeToolProvider` (merges several).
 */
export interface ToolProvider {
  /** Stable provider name, e.g. `arcade` or `local`; results and definitions carry it. */
  readonly name: string;
  /** Tools this user may use (policy applied). Cached by providers: cheap to call every turn. */
  listTools(request: ListToolsRequest): Promise<ToolDefinition[]>;
  /** Runs one tool call. Throws only for invalid requests (`InvalidInputError`) or an abort. */
  execute(request: ExecuteToolRequest): Promise<ToolResult>;
  /** Waits (bounded) until an authorization from an `authorization_required` result settles. */
  waitForAuthorization?(request: WaitForAuthorizationRequest): Promise<AuthorizationWaitResult>;
}
