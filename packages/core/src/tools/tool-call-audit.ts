import { InvalidInputError } from '../errors.js';
import type { AuditAuthorizationStatus, AuditToolFailureOutcome } from '../audit-log/audit-event.js';
import type { AuditLog } from '../audit-log/audit-log.js';
import type { ToolDefinition } from './tool-definition.js';
import type { ParsedExecuteToolRequest } from './tool-provider.js';
import type { ToolAuthorizationStatus, ToolErrorKind, ToolResult } from './tool-result.js';

/** The policy's verdict on one call, recorded on `tool.call.requested`. */
export type ToolCallDecision = 'allowed' | 'denied' | 'approval_required' | 'not_found' | 'unavailable';

const AUTHORIZATION: Record<ToolAuthorizationStatus, AuditAuthorizationStatus> = {
  not_required: 'not_required',
  authorized: 'completed',
  required: 'pending',
  revoked: 'pending',
};

const FAILURE_OUTCOMES: Record<ToolErrorKind, AuditToolFailureOutcome> = {
  invalid_input: 'invalid_input',
  retry: 'error',
  context_required: 'error',
  rate_limited: 'unavailable',
  unavailable: 'unavailable',
  upstream: 'error',
  denied: 'denied',
  not_found: 'error',
  fatal: 'error',
  unknown: 'error',
};

/**
 * Writes the audit trail of tool calls: `tool.call.requested` (with the policy decision), then
 * `tool.call.authorized` when OAuth was checked, then `tool.call.executed` or `tool.call.failed`.
 * Arguments go through the AuditLog's redactor; tokens and consent URLs are never recorded.
 */
export class ToolCallAudit {
  constructor(
    private readonly auditLog: AuditLog,
    private readonly provider: string,
  ) {}

  private envelope(request: ParsedExecuteToolRequest) {
    return {
      userId: request.userId,
      ...(request.tenantId !== undefined ? { tenantId: request.tenantId } : {}),
      ...(request.runId !== undefined ? { runId: request.runId } : {}),
      ...(request.conversationId !== undefined ? { conversationId: request.conversationId } : {}),
    };
  }

  private call(request: ParsedExecuteToolRequest, tool: ToolDefinition | undefined) {
    return {
      tool: tool?.qualifiedName ?? request.toolName,
      provider: this.provider,
      ...(tool?.version !== undefined ? { toolVersion: tool.version } : {}),
      ...(request.toolCallId !== undefined ? { toolCallId: request.toolCallId } : {}),
    };
  }

  /** Records the request and the decision. Arguments too large for the log are left out, not the event. */
  async requested(
    request: ParsedExecuteToolRequest,
    tool: ToolDefinition | undefined,
    decision: ToolCallDecision,
    reason?: string,
  ): Promise<void> {
    const data = {
      ...this.call(request, tool),
      decision,
      ...(reason !== undefined ? { reason } : {}),
      ...(request.approval ? { approvedBy: request.approval.approvedBy } : {}),
      ...(request.idempotencyKey !== undefined ? { idempotencyKey: request.idempotencyKey } : {}),
    };
    const argumentsOf = { ...request.input, ...request.trustedInput };
    try {
      await this.auditLog.record({
        type: 'tool.call.requested',
        ...this.envelope(request),
        data: { ...data, arguments: argumentsOf },
      });
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      await this.auditLog.record({
        type: 'tool.call.requested',
        ...this.envelope(request),
        data: { ...data, argumentsOmitted: error.message },
      });
    }
  }

  /** Records how the call ended (and the authorization check, when there was one). */
  async finished(
    request: ParsedExecuteToolRequest,
    tool: ToolDefinition | undefined,
    result: ToolResult,
  ): Promise<void> {
    const envelope = this.envelope(request);
    const call = {
      ...this.call(request, tool),
      ...(result.executionId !== undefined ? { executionId: result.executionId } : {}),
      ...(result.authorizationStatus !== undefined
        ? { authorizationStatus: AUTHORIZATION[result.authorizationStatus] }
        : {}),
    };
    const durationMs = result.durationMs !== undefined ? { durationMs: Math.max(result.durationMs, 0) } : {};
    if (result.authorizationStatus !== undefined && result.authorizationStatus !== 'not_required') {
      const authorization = result.status === 'authorization_required' ? result.authorization : undefined;
      await this.auditLog.record({
        type: 'tool.call.authorized',
        ...envelope,
        data: {
          ...call,
          authorizationStatus: AUTHORIZATION[result.authorizationStatus],
          ...(result.authorizationStatus === 'revoked' ? { reason: 'revoked' } : {}),
          ...(authorization
            ? { authorizationId: authorization.id, scopes: authorization.scopes }
            : tool?.requirements.authorization
              ? { scopes: tool.requirements.authorization.scopes }
              : {}),
        },
      });
    }
    switch (result.status) {
      case 'success':
        await this.auditLog.record({
          type: 'tool.call.executed',
          ...envelope,
          data: { ...call, outcome: 'success', ...durationMs },
        });
        return;
      case 'tool_error':
        // A tool that ran and failed on its own is `executed` with outcome `error`; anything
        // that stopped the call before (or around) the tool is `failed`.
        if (result.executionId !== undefined) {
          await this.auditLog.record({
            type: 'tool.call.executed',
            ...envelope,
            data: {
              ...call,
              outcome: 'error',
              ...durationMs,
              error: { message: result.error.message, code: result.error.providerKind ?? result.error.kind },
            },
          });
          return;
        }
        await this.auditLog.record({
          type: 'tool.call.failed',
          ...envelope,
          data: {
            ...call,
            outcome: FAILURE_OUTCOMES[result.error.kind],
            ...durationMs,
            error: { message: result.error.message, code: result.error.providerKind ?? result.error.kind },
          },
        });
        return;
      case 'authorization_required':
        await this.auditLog.record({
          type: 'tool.call.failed',
          ...envelope,
          data: {
            ...call,
            outcome: 'authorization_required',
            ...durationMs,
            error: {
              message: `the user must authorize ${result.toolName}`,
              code: result.authorization.reason,
            },
          },
        });
        return;
      case 'approval_required':
        // The decision is on `tool.call.requested`; the call has not ended yet.
        return;
    }
  }

  /** Records a call that threw (aborted, or a bug). */
  async threw(
    request: ParsedExecuteToolRequest,
    tool: ToolDefinition | undefined,
    error: unknown,
  ): Promise<void> {
    const aborted = (error as { code?: unknown } | null)?.code === 'ABORTED';
    await this.auditLog.record({
      type: 'tool.call.failed',
      ...this.envelope(request),
      data: {
        ...this.call(request, tool),
        outcome: aborted ? 'cancelled' : 'error',
        error: {
          message: error instanceof Error ? error.message : String(error),
          ...(error instanceof Error ? { name: error.name } : {}),
        },
      },
    });
  }
}
