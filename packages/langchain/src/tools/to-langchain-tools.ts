import { tool, type StructuredToolInterface, type ToolRunnableConfig } from '@langchain/core/tools';
import { interrupt } from '@langchain/langgraph';
import type { ToolApproval, ToolDefinition, ToolProvider, ToolResult } from '@tristack/core';
import {
  defaultRunIdentity,
  MissingRunIdentityError,
  type ResolveRunIdentity,
  type RunIdentity,
} from '../run-context.js';

/** The interrupt a tool raises when the user must grant OAuth consent. Carries the URL, never a token. */
export interface ToolAuthorizationInterrupt {
  type: 'tool_authorization';
  tool: string;
  toolCallId?: string;
  authorizationId: string;
  url: string;
  providerId?: string;
  scopes: string[];
  reason: 'not_authorized' | 'revoked';
}

/** The interrupt a tool raises when policy wants a human to approve the call. Resume with a `ToolApproval`. */
export interface ToolApprovalInterrupt {
  type: 'tool_approval';
  tool: string;
  toolCallId?: string;
  args: Record<string, unknown>;
  reason: string;
  destructive: boolean;
}

export interface ToLangChainToolsOptions {
  /**
   * Who the tools run for, read from each run's trusted context (never from model arguments).
   * One set of tools serves every user.
   * @default defaultRunIdentity (context.userId / tenantId, configurable.thread_id)
   */
  identity?: ResolveRunIdentity;
  /** The user whose tool list is loaded (policy may differ per user). */
  listFor: { userId: string; tenantId?: string; toolkits?: string[] };
  /** How long to wait for a consent to settle after the run is resumed. @default 30_000 */
  authorizationWaitMs?: number;
}

function outputText(output: unknown): string {
  return typeof output === 'string' ? output : JSON.stringify(output ?? null);
}

/** Resumed after consent: wait (bounded) until the provider sees the grant, so the retry succeeds. */
async function settleAuthorization(
  provider: ToolProvider,
  identity: RunIdentity & { userId: string },
  authorizationId: string,
  handledBy: string,
  timeoutMs: number,
): Promise<void> {
  if (!provider.waitForAuthorization) return;
  await provider.waitForAuthorization({
    userId: identity.userId,
    ...(identity.tenantId ? { tenantId: identity.tenantId } : {}),
    authorizationId,
    // The provider that asked for consent (inside a composite, one of its members) waits for it.
    provider: handledBy,
    timeoutMs,
  });
}

async function runTool(
  provider: ToolProvider,
  definition: ToolDefinition,
  input: Record<string, unknown>,
  config: ToolRunnableConfig,
  options: ToLangChainToolsOptions,
): Promise<string> {
  const identity = (options.identity ?? defaultRunIdentity)(config as never);
  // A typed error (code IDENTITY_REQUIRED), so `unwrapTristackError` finds it as for the middleware.
  if (!identity.userId) throw new MissingRunIdentityError(`tool ${definition.name}`, 'userId');
  const caller = { ...identity, userId: identity.userId };
  const toolCallId = config.toolCall?.id;
  let approval: ToolApproval | undefined;
  // Each round either succeeds, or interrupts; on resume the node re-runs and the same
  // interrupt() returns the resume value, so the call is retried after consent or approval.
  for (let round = 0; round < 3; round++) {
    const result: ToolResult = await provider.execute({
      userId: caller.userId,
      ...(caller.tenantId ? { tenantId: caller.tenantId } : {}),
      ...(caller.conversationId ? { conversationId: caller.conversationId } : {}),
      ...(caller.runId ? { runId: caller.runId } : {}),
      toolName: definition.name,
      input,
      ...(toolCallId ? { toolCallId } : {}),
      ...(approval ? { approval } : {}),
      ...(config.signal ? { signal: config.signal } : {}),
    });
    switch (result.status) {
      case 'success':
        return outputText(result.output);
      case 'tool_error':
        return `Error: ${result.error.message}${result.error.additionalPromptContent ? `\n${result.error.additionalPromptContent}` : ''}`;
      case 'authorization_required': {
        const request: ToolAuthorizationInterrupt = {
          type: 'tool_authorization',
          tool: definition.name,
          ...(toolCallId ? { toolCallId } : {}),
          authorizationId: result.authorization.id,
          url: result.authorization.url,
          ...(result.authorization.providerId ? { providerId: result.authorization.providerId } : {}),
          scopes: result.authorization.scopes,
          reason: result.authorization.reason,
        };
        const answer = interrupt<ToolAuthorizationInterrupt, { granted?: boolean } | undefined>(request);
        if (answer && answer.granted === false)
          return `Error: the user did not authorize ${definition.name}.`;
        await settleAuthorization(
          provider,
          caller,
          result.authorization.id,
          result.provider,
          options.authorizationWaitMs ?? 30_000,
        );
        continue;
      }
      case 'approval_required': {
        const request: ToolApprovalInterrupt = {
          type: 'tool_approval',
          tool: definition.name,
          ...(toolCallId ? { toolCallId } : {}),
          args: input,
          reason: result.approval.reason,
          destructive: result.approval.destructive,
        };
        const answer = interrupt<ToolApprovalInterrupt, ToolApproval | { approved: false } | undefined>(
          request,
        );
        if (!answer || !('approvedBy' in answer)) return `Error: a human declined ${definition.name}.`;
        approval = answer;
        continue;
      }
    }
  }
  return `Error: ${definition.name} still needs authorization after consent.`;
}

/**
 * Turns a `ToolProvider`'s tools into LangChain structured tools. The user comes from each run's
 * context, so one compiled agent serves every user. "Authorization required" becomes a LangGraph
 * `interrupt()` carrying the consent URL — never a model-visible error, never a token — and
 * resuming the run (`new Command({ resume: { granted: true } })`) retries the call. Needs a
 * checkpointer, as every interrupt does.
 */
export async function toLangChainTools(
  provider: ToolProvider,
  options: ToLangChainToolsOptions,
): Promise<StructuredToolInterface[]> {
  const definitions = await provider.listTools(options.listFor);
  return definitions.map(
    (definition) =>
      tool(
        async (input: Record<string, unknown>, config: ToolRunnableConfig) =>
          runTool(provider, definition, input, config, options),
        {
          name: definition.name,
          description: definition.description,
          schema: definition.inputJsonSchema as Record<string, unknown>,
        },
      ) as unknown as StructuredToolInterface,
  );
}
