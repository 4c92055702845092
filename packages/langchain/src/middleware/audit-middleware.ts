import { AIMessage, ToolMessage } from '@langchain/core/messages';
import { isGraphInterrupt } from '@langchain/langgraph';
import { createMiddleware } from 'langchain';
import { z } from 'zod';
import { unwrapTristackError, type AuditLog } from '@tristack/core';
import { tristackMetadata } from '../cache-request.js';
import { modelName } from '../model-identity.js';
import { langGraphRunId } from '../langgraph-run-id.js';
import { runIdentityContextSchema, type RunContextSource, type RunIdentity } from '../run-context.js';
import { AuditRecorder, auditError } from './audit-recorder.js';
import type { RunWrites } from './run-writes.js';
import {
  functionOption,
  identityOption,
  instanceOption,
  parseMiddlewareOptions,
} from './middleware-option-schemas.js';

export const auditMiddlewareOptionsSchema = z.strictObject({
  auditLog: instanceOption<AuditLog>('auditLog', ['record']),
  /** @default defaultRunIdentity */
  identity: identityOption,
  /**
   * An audit write that fails: `'throw'` fails the call (nothing runs unaudited), `'ignore'`
   * carries on, a function is told and carries on.
   * @default 'throw'
   */
  onError: z
    .union([z.enum(['throw', 'ignore']), functionOption<(error: unknown) => void>('onError')])
    .default('throw'),
  /** Record tool arguments (redacted by the log). @default true */
  recordArguments: z.boolean().default(true),
});
export type AuditMiddlewareOptions = z.input<typeof auditMiddlewareOptionsSchema>;

/** The denial the rate-limit middleware put on the answer it ended a turn with, if any. */
function rateLimitDenial(message: AIMessage): { retryAfterMs?: number; rule?: string } | undefined {
  const metadata = message.response_metadata as { tristack?: { rateLimited?: object } } | undefined;
  return metadata?.tristack?.rateLimited;
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
 * tool execution, and interrupts raised and resumed. Put it first (outermost). Every event of
 * one run carries the same `runId`: the context's, else the LangGraph run's (`langGraphRunId`).
 */
export function auditMiddleware(input: AuditMiddlewareOptions) {
  return createAuditMiddleware(input);
}

/**
 * `auditMiddleware` with the run's deferred `writes`: a model call's record is awaited together
 * with the writes deferred inside it (the cache store), in one round trip, before the call
 * returns. With `deferFinal` and an `onError` other than `'throw'` (a record that cannot fail the
 * run), the record of a call whose answer ends the turn (no tool calls) is instead awaited at the
 * end of the run (the memory middleware settles it with its append). With `'throw'` it is always
 * awaited first: a failed record fails the run before memory appends the turn.
 * @internal
 */
export function createAuditMiddleware(input: AuditMiddlewareOptions, writes?: RunWrites, deferFinal = false) {
  const options = parseMiddlewareOptions(auditMiddlewareOptionsSchema, input, 'auditMiddleware');
  const resolve = options.identity;
  // A custom resolver that names no run still gets the LangGraph run's id: `audit run` finds it.
  const identityOf = (source: RunContextSource): RunIdentity => {
    const identity = resolve(source);
    if (identity.runId) return identity;
    const runId = langGraphRunId(source);
    return runId ? { ...identity, runId } : identity;
  };
  const recorder = new AuditRecorder(options.auditLog, options.onError);
  const withArguments = options.recordArguments;
  // Only a record that cannot fail the run may be awaited after memory's append.
  const deferFinalRecord = deferFinal && options.onError !== 'throw';
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
            // LangChain wraps a middleware's error (MiddlewareError, no code): record the Tristack one.
            error: auditError(unwrapTristackError(error) ?? error),
          });
        throw error;
      }
      const message = AIMessage.isInstance(response) ? response : undefined;
      const denied = message ? rateLimitDenial(message) : undefined;
      if (denied) {
        // The limiter ended the turn (`onDenied: 'end'`/'wait'): the model never ran, so this is
        // no finished call. Recorded as `onDenied: 'throw'` records it: failed, code RATE_LIMITED.
        await recorder.record(identity, 'model.call.failed', {
          model: modelName(request.model),
          durationMs: performance.now() - started,
          error: { name: 'RateLimitedError', code: 'RATE_LIMITED', message: message!.text },
          rateLimited: denied,
        });
        if (writes) await writes.settle();
        return response;
      }
      const metadata = message ? tristackMetadata(message) : {};
      const usage = message?.usage_metadata;
      const finished = recorder.record(identity, 'model.call.finished', {
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
      if (!writes) await finished;
      else if (deferFinalRecord && !message?.tool_calls?.length) {
        // The cache store (deferred inside this call) is still awaited here: a failed store fails
        // the call before memory appends the turn.
        await writes.settle();
        if (!writes.defer(finished)) await finished;
      } else await writes.settle(finished);
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
