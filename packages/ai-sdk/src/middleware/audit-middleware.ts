import type {
  LanguageModelV3Content,
  LanguageModelV3Middleware,
  LanguageModelV3Usage,
} from '@ai-sdk/provider';
import { z } from 'zod';
import {
  unwrapTristackError,
  type AuditEventInput,
  type AuditEventType,
  type AuditLog,
} from '@tristack/core';
import { contentText, modelName, tapStream, tristackMetadataOf, totalTokens } from '../model-call.js';
import { resolveIdentity, type RunIdentity } from '../run-identity.js';
import {
  functionOption,
  identitySourceOption,
  instanceOption,
  parseMiddlewareOptions,
} from './middleware-option-schemas.js';

/** What to do when the audit log refuses or fails an event. */
export type AuditFailurePolicy = 'throw' | 'ignore' | ((error: unknown) => void);

export const auditMiddlewareOptionsSchema = z.strictObject({
  auditLog: instanceOption<AuditLog>('auditLog', ['record']),
  /** @default the identity set by `withRunIdentity` */
  identity: identitySourceOption,
  /** An audit write that fails: `'throw'` fails the call, `'ignore'` carries on, a function is told. @default 'throw' */
  onError: z
    .union([z.enum(['throw', 'ignore']), functionOption<(error: unknown) => void>('onError')])
    .default('throw'),
  /** Record the arguments of tool calls the model asks for (redacted by the log). @default true */
  recordArguments: z.boolean().default(true),
});
export type AuditMiddlewareOptions = z.input<typeof auditMiddlewareOptionsSchema>;

/** The error fields an audit event keeps. */
export function auditError(error: unknown): { message: string; name?: string; code?: string } {
  const candidate = error as { message?: unknown; name?: unknown; code?: unknown };
  return {
    message: typeof candidate?.message === 'string' ? candidate.message : String(error),
    ...(typeof candidate?.name === 'string' ? { name: candidate.name } : {}),
    ...(typeof candidate?.code === 'string' ? { code: candidate.code } : {}),
  };
}

/** Records events with the call's identity as envelope (the LangChain adapter's event shapes). */
class AuditRecorder {
  constructor(
    private readonly auditLog: AuditLog,
    private readonly onError: AuditFailurePolicy,
  ) {}

  async record<Type extends AuditEventType>(
    identity: RunIdentity,
    type: Type,
    data: AuditEventInput<Type>['data'],
  ): Promise<void> {
    const envelope = {
      ...(identity.tenantId ? { tenantId: identity.tenantId } : {}),
      ...(identity.userId ? { userId: identity.userId } : {}),
      ...(identity.conversationId ? { conversationId: identity.conversationId } : {}),
      ...(identity.runId ? { runId: identity.runId } : {}),
    };
    try {
      await this.auditLog.record({ ...envelope, type, data } as unknown as AuditEventInput<Type>);
    } catch (error) {
      if (this.onError === 'throw') throw error;
      if (typeof this.onError === 'function') this.onError(error);
    }
  }
}

/**
 * Records each model call in the `AuditLog`, awaited, with the events the LangChain adapter
 * writes: `model.call.finished` (model, usage, cached or not, fallback taken, duration, finish
 * reason), `model.call.failed` (a provider error, a denial), and one `tool.call.requested` per
 * tool call the model asked for. Put it first (outermost).
 */
export function auditMiddleware(input: AuditMiddlewareOptions): LanguageModelV3Middleware {
  const options = parseMiddlewareOptions(auditMiddlewareOptionsSchema, input, 'auditMiddleware');
  const recorder = new AuditRecorder(options.auditLog, options.onError);

  async function finished(
    identity: RunIdentity,
    model: string,
    started: number,
    answer: {
      content: readonly LanguageModelV3Content[];
      usage: LanguageModelV3Usage;
      finishReason: string;
      providerMetadata?: unknown;
    },
  ) {
    const metadata = tristackMetadataOf(answer.providerMetadata);
    const durationMs = performance.now() - started;
    if (metadata.rateLimited) {
      // The limiter ended the call: the model never ran. Recorded as a throwing limiter is.
      await recorder.record(identity, 'model.call.failed', {
        model,
        durationMs,
        error: { name: 'RateLimitedError', code: 'RATE_LIMITED', message: contentText(answer.content) },
        rateLimited: metadata.rateLimited,
      });
      return;
    }
    const toolCalls = answer.content.filter((item) => item.type === 'tool-call');
    const total = totalTokens(answer.usage);
    await recorder.record(identity, 'model.call.finished', {
      model: metadata.model ?? model,
      cached: metadata.cached !== undefined,
      durationMs,
      finishReason: answer.finishReason,
      ...(total !== undefined
        ? {
            tokenUsage: {
              inputTokens: answer.usage.inputTokens.total ?? 0,
              outputTokens: answer.usage.outputTokens.total ?? 0,
              totalTokens: total,
            },
          }
        : {}),
      ...(metadata.cached ? { cacheKind: metadata.cached.kind, similarity: metadata.cached.similarity } : {}),
      ...(metadata.fallback ? { fallback: metadata.fallback } : {}),
      ...(metadata.rateLimitUnchecked ? { rateLimitUnchecked: metadata.rateLimitUnchecked } : {}),
      toolCallCount: toolCalls.length,
    });
    for (const call of toolCalls) {
      let args: Record<string, unknown> = { input: call.input };
      try {
        const parsed: unknown = JSON.parse(call.input);
        if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
          args = parsed as Record<string, unknown>;
      } catch {
        // Not JSON: kept as the model wrote it.
      }
      await recorder.record(identity, 'tool.call.requested', {
        tool: call.toolName,
        toolCallId: call.toolCallId,
        ...(options.recordArguments ? { arguments: args } : {}),
      });
    }
  }

  const failed = (identity: RunIdentity, model: string, started: number, error: unknown) =>
    recorder.record(identity, 'model.call.failed', {
      model,
      durationMs: performance.now() - started,
      error: auditError(unwrapTristackError(error) ?? error),
    });

  return {
    specificationVersion: 'v3',
    wrapGenerate: async ({ doGenerate, model }) => {
      const identity = resolveIdentity(options.identity);
      const started = performance.now();
      let result;
      try {
        result = await doGenerate();
      } catch (error) {
        await failed(identity, modelName(model), started, error);
        throw error;
      }
      await finished(identity, modelName(model), started, {
        ...result,
        finishReason: result.finishReason.unified,
      });
      return result;
    },
    wrapStream: async ({ doStream, model }) => {
      const identity = resolveIdentity(options.identity);
      const started = performance.now();
      let result;
      try {
        result = await doStream();
      } catch (error) {
        await failed(identity, modelName(model), started, error);
        throw error;
      }
      return tapStream(result, {
        onFinish: async (outcome) => {
          await finished(identity, modelName(model), started, {
            ...outcome,
            finishReason: outcome.finishReason.unified,
          });
        },
        onError: (error) => failed(identity, modelName(model), started, error),
      });
    },
  };
}
