import { dynamicTool, jsonSchema, type ModelMessage, type Tool } from 'ai';
import type { JSONValue } from '@ai-sdk/provider';
import type {
  AuditLog,
  ToolAuthorizationRequest,
  ToolDefinition,
  ToolError,
  ToolProvider,
  ToolResult,
} from '@tristack/core';
import {
  MissingRunIdentityError,
  resolveIdentity,
  type IdentitySource,
  type RunIdentity,
} from '../run-identity.js';
import {
  approvalKey,
  issueApproval,
  redeemApproval,
  ToolApprovalNotIssuedError,
} from './issued-tool-approvals.js';

/** A tool's output when the user must grant OAuth consent first. The URL is for the user, never the model. */
export interface ToolAuthorizationOutput {
  status: 'authorization_required';
  tool: string;
  authorization: ToolAuthorizationRequest;
}

/** A tool's output when policy asks for an approval the AI SDK's approval flow did not give. */
export interface ToolApprovalOutput {
  status: 'approval_required';
  tool: string;
  reason: string;
  destructive: boolean;
}

/** A tool's output when it failed in a way the model may act on. */
export interface ToolErrorOutput {
  status: 'tool_error';
  tool: string;
  error: Pick<ToolError, 'kind' | 'message' | 'canRetry'> & { retryAfterMs?: number };
}

/** What `execute` returns: the provider's output on success, else one of the documented outcomes. */
export type AiSdkToolOutput = unknown;

export interface ToAiSdkToolsOptions {
  /**
   * Who the tools run for and list for: `{ userId, tenantId, conversationId, runId }`, a function,
   * or — left out — what `withRunIdentity` set. Never from model arguments.
   */
  identity?: IdentitySource;
  /** Only tools of these toolkits. */
  toolkits?: string[];
  /**
   * Who approved a call that the AI SDK ran after a `tool-approval-response` with `approved: true`.
   * @default the call's user (the approval came from their session)
   */
  approvedBy?: (identity: RunIdentity & { userId: string }) => string;
  /**
   * Run a gated tool on any `tool-approval-response` the client sends. Off by default: an
   * approval is honoured only when it answers an approval request this process issued to the
   * same user for the same call and arguments (once, within an hour); otherwise the tool does not
   * run and the call fails with `ToolApprovalNotIssuedError` (audited with `auditLog`). Requests
   * are kept in this process: behind a load balancer, route a chat's requests to one worker, or
   * verify approvals yourself (e.g. the AI SDK's `experimental_toolApprovalSecret`) and set this.
   * @default false
   */
  trustClientApprovals?: boolean;
  /** Records refused approvals (`tool.call.failed`, outcome `denied`). */
  auditLog?: AuditLog;
  /** Told when a call needs consent: e.g. push the URL to the user's UI out of band. */
  onAuthorizationRequired?: (output: ToolAuthorizationOutput, identity: RunIdentity) => void | Promise<void>;
}

function caller(options: ToAiSdkToolsOptions, what: string): RunIdentity & { userId: string } {
  const identity = resolveIdentity(options.identity);
  // A typed error (code IDENTITY_REQUIRED): tools never run under a guessed or shared user.
  if (!identity.userId) throw new MissingRunIdentityError(what, 'userId');
  return { ...identity, userId: identity.userId };
}

/** What the model reads of an outcome: never the consent URL, never a token. */
function modelText(output: unknown): { type: 'text'; value: string } | { type: 'json'; value: JSONValue } {
  const outcome = output as
    Partial<ToolAuthorizationOutput | ToolApprovalOutput | ToolErrorOutput> | undefined;
  switch (outcome?.status) {
    case 'authorization_required':
      return {
        type: 'text',
        value: `The user must authorize ${outcome.tool} first; they were shown a consent link. Ask them to confirm once done, then call it again.`,
      };
    case 'approval_required':
      return { type: 'text', value: `${outcome.tool} needs a human's approval: ${outcome.reason}` };
    case 'tool_error':
      return { type: 'text', value: `Error: ${outcome.error!.message}` };
    default:
      return typeof output === 'string'
        ? { type: 'text', value: output }
        : { type: 'json', value: JSON.parse(JSON.stringify(output ?? null)) as JSONValue };
  }
}

async function runTool(
  provider: ToolProvider,
  definition: ToolDefinition,
  input: unknown,
  execution: { toolCallId: string; abortSignal?: AbortSignal | undefined },
  options: ToAiSdkToolsOptions,
): Promise<AiSdkToolOutput> {
  const identity = caller(options, `tool ${definition.name}`);
  if (
    definition.requiresApproval &&
    !options.trustClientApprovals &&
    !redeemApproval(approvalKey(identity, definition.name, execution.toolCallId, input))
  ) {
    const error = new ToolApprovalNotIssuedError(definition.name, execution.toolCallId);
    await options.auditLog?.record({
      ...(identity.tenantId ? { tenantId: identity.tenantId } : {}),
      userId: identity.userId,
      ...(identity.conversationId ? { conversationId: identity.conversationId } : {}),
      ...(identity.runId ? { runId: identity.runId } : {}),
      type: 'tool.call.failed',
      data: {
        tool: definition.name,
        toolCallId: execution.toolCallId,
        outcome: 'denied',
        error: { message: error.message, name: error.name, code: error.code },
      },
    });
    throw error;
  }
  const result: ToolResult = await provider.execute({
    userId: identity.userId,
    ...(identity.tenantId ? { tenantId: identity.tenantId } : {}),
    ...(identity.conversationId ? { conversationId: identity.conversationId } : {}),
    ...(identity.runId ? { runId: identity.runId } : {}),
    toolName: definition.name,
    input: (input ?? {}) as Record<string, unknown>,
    toolCallId: execution.toolCallId,
    // The AI SDK runs a tool with `needsApproval` only after the user approved this very call.
    ...(definition.requiresApproval
      ? {
          approval: {
            approvedBy: (options.approvedBy ?? ((who) => who.userId))(identity),
            note: 'AI SDK tool approval',
          },
        }
      : {}),
    ...(execution.abortSignal ? { signal: execution.abortSignal } : {}),
  });
  switch (result.status) {
    case 'success':
      return result.output;
    case 'tool_error':
      return {
        status: 'tool_error',
        tool: definition.name,
        error: {
          kind: result.error.kind,
          message: result.error.message,
          canRetry: result.error.canRetry,
          ...(result.error.retryAfterMs !== undefined ? { retryAfterMs: result.error.retryAfterMs } : {}),
        },
      } satisfies ToolErrorOutput;
    case 'authorization_required': {
      const output: ToolAuthorizationOutput = {
        status: 'authorization_required',
        tool: definition.name,
        authorization: result.authorization,
      };
      await options.onAuthorizationRequired?.(output, identity);
      return output;
    }
    case 'approval_required':
      return {
        status: 'approval_required',
        tool: definition.name,
        reason: result.approval.reason,
        destructive: result.approval.destructive,
      } satisfies ToolApprovalOutput;
  }
}

/** Whether the history already holds this tool call (an approval being answered, not a new proposal). */
const hasToolCall = (messages: readonly ModelMessage[], toolCallId: string): boolean =>
  messages.some(
    (message) =>
      message.role === 'assistant' &&
      typeof message.content !== 'string' &&
      message.content.some((part) => part.type === 'tool-call' && part.toolCallId === toolCallId),
  );

/**
 * A `ToolProvider`'s tools (Arcade, MCP, local) as AI SDK tools for `generateText`/`streamText`,
 * listed for the call's user (policy applied). Approvals map onto the AI SDK's tool-approval
 * flow: a tool the policy marks `requiresApproval` needs approval, so the AI SDK asks
 * (`tool-approval-request`) and runs it only once approved — and only when this server issued
 * that request to this user for these arguments (`trustClientApprovals`); the provider is then
 * told who approved. OAuth consent has no AI SDK flow: the call's output is a documented
 * `authorization_required` outcome carrying the consent URL for your UI, while the model reads
 * only that the user must authorize (`toModelOutput`).
 */
export async function toAiSdkTools(
  provider: ToolProvider,
  options: ToAiSdkToolsOptions = {},
): Promise<Record<string, Tool>> {
  const identity = caller(options, 'toAiSdkTools');
  const definitions = await provider.listTools({
    userId: identity.userId,
    ...(identity.tenantId ? { tenantId: identity.tenantId } : {}),
    ...(options.toolkits ? { toolkits: options.toolkits } : {}),
  });
  const tools: Record<string, Tool> = {};
  for (const definition of definitions) {
    tools[definition.name] = dynamicTool({
      description: definition.description,
      inputSchema: jsonSchema(definition.inputJsonSchema as Parameters<typeof jsonSchema>[0]),
      needsApproval: definition.requiresApproval
        ? (input, { toolCallId, messages }) => {
            // The AI SDK asks here when the model proposes the call (not yet in the messages), and
            // again when an approval arrives (the call is in the history): only the first issues.
            if (!options.trustClientApprovals && !hasToolCall(messages, toolCallId))
              issueApproval(approvalKey(identity, definition.name, toolCallId, input));
            return true;
          }
        : false,
      execute: (input, execution) => runTool(provider, definition, input, execution, options),
      toModelOutput: ({ output }) => modelText(output),
    });
  }
  return tools;
}
