import { AIMessage, ToolMessage } from '@langchain/core/messages';
import { isGraphInterrupt } from '@langchain/langgraph';
import { createMiddleware } from 'langchain';
import type { AuditLog } from '@tristack/core';
import { tristackMetadata } from '../cache-request.js';
import { modelName } from '../model-identity.js';
import { defaultRunIdentity, runIdentityContextSchema, type ResolveRunIdentity } from '../run-context.js';
import { AuditRecorder, auditError, type AuditFailurePolicy } from './audit-recorder.js';

export interface AuditMiddlewareOptions {
  auditLog: AuditLog;
  /** @default defaultRunIdentity */
  identity?: ResolveRunIdentity;
  /**
   * An audit write that fails: `'throw'` fails the call (nothing runs unaudited), `'ignore'`
   * carries on, a function is told and carries on.
   * @default 'throw'
   */
  onError?: AuditFailurePolicy;
  /** Record tool arguments (redacted by the log). @default true */
  recordArguments?: boolean;
}

/** Whether this tool run is the re-run of a node resumed with `Command({ resume })`. */
function isResuming(configurable: Record<string, unknown> | undefined): boolean {
  // LangGraph keeps resume values in the task scratchpad: per interrupt id, or one "null resume".
  const scratchpad = configurable?.__pregel_scratchpad as
    { resume?: unknown[]; nullResume?: unknown } | undefined;
  return (scratchpad?.resume?.length ?? 0) > 0 || scratchpad?.nullResume != null;
}

/**
 * Records every decision of the agent loop in the `AuditLog`, awaited: each model call (model,
 * usage, cached or not, fallback taken, duration), each tool call the model requested, each
 * tool execution, and interrupts raised and resumed. Put it first (outermost).
 */
export function auditMiddleware(options: AuditMiddlewareOptions) {
  const identityOf = options.identity ?? defaultRunIdentity;
  const recorder = new AuditRecorder(options.auditLog, options.onError);
  const withArguments = options.recordArguments ?? true;
  return createMiddleware({
    name: 'TristackAudit',
    contextSchema: runIdentityContextSchema,
    wrapModelCall: async (request, handler) => {
      const identity = identityOf(request.runtime);
      const started = performance.now();
      let response;
      try {
        response = await handler(request);
      } catch (error) {
        if (!isGraphInterrupt(error))
          await recorder.record(identity, 'model.call.failed', {
            model: modelName(request.model),
            durationMs: performance.now() - started,
            error: auditError(error),
          });
        throw error;
      }
      const message = AIMessage.isInstance(response) ? response : undefined;
      const metadata = message ? tristackMetadata(message) : {};
      const usage = message?.usage_metadata;
      await recorder.record(identity, 'model.call.finished', {
        model: metadata.model ?? modelName(request.model),
        cached: metadata.cached !== undefined,
        durationMs: performance.now() - started,
        ...(usage
          ? {
              tokenUsage: {
                inputTokens: usage.input_tokens,
                outputTokens: usage.output_tokens,
                totalTokens: usage.total_tokens,
              },
            }
          : {}),
        ...(metadata.cached
          ? { cacheKind: metadata.cached.kind, similarity: metadata.cached.similarity }
          : {}),
        ...(metadata.fallback ? { fallback: metadata.fallback } : {}),
        toolCallCount: message?.tool_calls?.length ?? 0,
      });
      for (const call of message?.tool_calls ?? []) {
        await recorder.record(identity, 'tool.call.requested', {
          tool: call.name,
          ...(call.id ? { toolCallId: call.id } : {}),
          ...(withArguments ? { arguments: call.args } : {}),
        });
      }
      return response;
    },
    wrapToolCall: async (request, handler) => {
      const identity = identityOf(request.runtime);
      const base = {
        tool: request.toolCall.name,
        ...(request.toolCall.id ? { toolCallId: request.toolCall.id } : {}),
      };
      if (isResuming(request.runtime.configurable))
        await recorder.record(identity, 'interrupt.resumed', { node: 'tools', decision: 'resumed', ...base });
      const started = performance.now();
      try {
        const result = await handler(request);
        const failed = ToolMessage.isInstance(result) && result.status === 'error';
        await recorder.record(identity, 'tool.call.executed', {
          ...base,
          outcome: failed ? 'error' : 'success',
          durationMs: performance.now() - started,
        });
        return result;
      } catch (error) {
        if (isGraphInterrupt(error)) {
          const interrupts =
            (error as { interrupts?: { id?: string; value?: { reason?: unknown } }[] }).interrupts ?? [];
          await recorder.record(identity, 'interrupt.raised', {
            node: 'tools',
            ...base,
            ...(interrupts[0]?.id ? { interruptId: interrupts[0].id } : {}),
            ...(typeof interrupts[0]?.value?.reason === 'string'
              ? { reason: interrupts[0].value.reason }
              : {}),
          });
        } else {
          await recorder.record(identity, 'tool.call.failed', {
            ...base,
            durationMs: performance.now() - started,
            error: auditError(error),
          });
        }
        throw error;
      }
    },
  });
}
