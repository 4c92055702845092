import { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import type { Serialized } from '@langchain/core/load/serializable';
import type { BaseMessage } from '@langchain/core/messages';
import type { LLMResult } from '@langchain/core/outputs';
import type { AuditLog } from '@tristack/core';
import type { RunIdentity } from '../run-context.js';
import { AuditRecorder, auditError, type AuditFailurePolicy } from './audit-recorder.js';

export interface AuditCallbackHandlerOptions {
  auditLog: AuditLog;
  /** The run's identity; `thread_id` from LangGraph metadata fills `conversationId` when absent. */
  identity?: RunIdentity;
  /** @default 'throw' (raised to the caller, as the handler is awaited) */
  onError?: AuditFailurePolicy;
}

interface Started {
  at: number;
  name: string;
  metadata: Record<string, unknown> | undefined;
}

/**
 * An awaited LangChain callback handler that records runs, model calls (with `cached`), and tool
 * calls in the `AuditLog`. For plain LangGraph graphs and bare models; agents use `auditMiddleware`.
 * Every event carries the root run's id (the graph's: the `runId` given to `invoke`, or the one
 * LangChain minted), so `tristack audit run <id>` shows the whole run; `callId` keeps each call's own.
 * Awaited (`awaitHandlers`), so events are stored before the call returns — nothing is lost when a
 * serverless function freezes, and one slow handler cannot back up the process-wide callback queue.
 */
export class AuditCallbackHandler extends BaseCallbackHandler {
  name = 'TristackAuditCallbackHandler';
  private readonly recorder: AuditRecorder;
  private readonly started = new Map<string, Started>();
  /** The root run of every run in flight: events carry the root's id, as `audit run` looks it up. */
  private readonly rootOf = new Map<string, string>();

  constructor(private readonly options: AuditCallbackHandlerOptions) {
    super({ _awaitHandler: true, raiseError: (options.onError ?? 'throw') === 'throw' });
    this.recorder = new AuditRecorder(options.auditLog, options.onError);
  }

  /** Notes where a run hangs: the root run (the graph's or the bare model's) keeps its own id. */
  private enter(runId: string, parentRunId: string | undefined): void {
    const root = parentRunId === undefined ? runId : (this.rootOf.get(parentRunId) ?? parentRunId);
    this.rootOf.set(runId, root);
  }

  private identity(metadata: Record<string, unknown> | undefined, runId: string): RunIdentity {
    const thread = metadata?.thread_id;
    return {
      ...(typeof thread === 'string' ? { conversationId: thread } : {}),
      runId: this.rootOf.get(runId) ?? runId,
      ...this.options.identity,
    };
  }

  /** The identity of a run that ends, forgetting where it hung. */
  private leave(metadata: Record<string, unknown> | undefined, runId: string): RunIdentity {
    const identity = this.identity(metadata, runId);
    this.rootOf.delete(runId);
    return identity;
  }

  private finish(runId: string): Started & { durationMs: number } {
    const started = this.started.get(runId);
    this.started.delete(runId);
    return {
      at: started?.at ?? performance.now(),
      name: started?.name ?? 'unknown',
      metadata: started?.metadata,
      durationMs: started ? performance.now() - started.at : 0,
    };
  }

  override async handleChainStart(
    chain: Serialized,
    _inputs: unknown,
    runId: string,
    // The declared order is (runType, tags, metadata, runName, parentRunId), but LangChain's
    // CallbackManager calls handlers with (parentRunId, tags, metadata, runType, runName).
    parentRunId?: string,
    _tags?: string[],
    metadata?: Record<string, unknown>,
    _runType?: string,
    runName?: string,
  ): Promise<void> {
    this.enter(runId, parentRunId);
    if (parentRunId !== undefined) return; // only the root run: nodes are inner detail
    const name = runName ?? chain.id?.at(-1) ?? 'run';
    this.started.set(runId, { at: performance.now(), name, metadata });
    await this.recorder.record(this.identity(metadata, runId), 'run.started', { name });
  }

  override async handleChainEnd(_outputs: unknown, runId: string, parentRunId?: string): Promise<void> {
    if (parentRunId !== undefined || !this.started.has(runId)) {
      this.rootOf.delete(runId);
      return;
    }
    const run = this.finish(runId);
    await this.recorder.record(this.leave(run.metadata, runId), 'run.finished', {
      name: run.name,
      durationMs: run.durationMs,
    });
  }

  override async handleChainError(error: unknown, runId: string, parentRunId?: string): Promise<void> {
    if (parentRunId !== undefined || !this.started.has(runId)) {
      this.rootOf.delete(runId);
      return;
    }
    const run = this.finish(runId);
    const interrupted = (error as { name?: unknown })?.name === 'GraphInterrupt';
    await this.recorder.record(
      this.leave(run.metadata, runId),
      interrupted ? 'interrupt.raised' : 'run.failed',
      interrupted
        ? { reason: 'graph interrupted' }
        : { name: run.name, durationMs: run.durationMs, error: auditError(error) },
    );
  }

  override async handleChatModelStart(
    llm: Serialized,
    messages: BaseMessage[][],
    runId: string,
    parentRunId?: string,
    extraParams?: Record<string, unknown>,
    _tags?: string[],
    metadata?: Record<string, unknown>,
  ): Promise<void> {
    this.enter(runId, parentRunId);
    const invocation = extraParams?.invocation_params as
      { model?: unknown; model_name?: unknown } | undefined;
    const model =
      (typeof metadata?.ls_model_name === 'string' && metadata.ls_model_name) ||
      (typeof invocation?.model === 'string' && invocation.model) ||
      llm.id?.at(-1) ||
      'unknown-model';
    this.started.set(runId, { at: performance.now(), name: model, metadata });
    await this.recorder.record(this.identity(metadata, runId), 'model.call.started', {
      model,
      callId: runId,
      messageCount: messages[0]?.length ?? 0,
    });
  }

  override async handleLLMEnd(
    output: LLMResult,
    runId: string,
    _parentRunId?: string,
    _tags?: string[],
    extraParams?: Record<string, unknown>,
  ): Promise<void> {
    const call = this.finish(runId);
    const message = (
      output.generations[0]?.[0] as
        | {
            message?: BaseMessage & {
              usage_metadata?: { input_tokens: number; output_tokens: number; total_tokens: number };
            };
          }
        | undefined
    )?.message;
    const usage = message?.usage_metadata;
    await this.recorder.record(this.leave(call.metadata, runId), 'model.call.finished', {
      model: call.name,
      callId: runId,
      cached: extraParams?.cached === true,
      durationMs: call.durationMs,
      ...(usage
        ? {
            tokenUsage: {
              inputTokens: usage.input_tokens,
              outputTokens: usage.output_tokens,
              totalTokens: usage.total_tokens,
            },
          }
        : {}),
    });
  }

  override async handleLLMError(error: unknown, runId: string): Promise<void> {
    const call = this.finish(runId);
    await this.recorder.record(this.leave(call.metadata, runId), 'model.call.failed', {
      model: call.name,
      callId: runId,
      durationMs: call.durationMs,
      error: auditError(error),
    });
  }

  override async handleToolStart(
    tool: Serialized,
    _input: string,
    runId: string,
    parentRunId?: string,
    _tags?: string[],
    metadata?: Record<string, unknown>,
    runName?: string,
    toolCallId?: string,
  ): Promise<void> {
    this.enter(runId, parentRunId);
    const name = runName ?? tool.id?.at(-1) ?? 'tool';
    this.started.set(runId, { at: performance.now(), name, metadata: { ...metadata, toolCallId } });
    await this.recorder.record(this.identity(metadata, runId), 'tool.call.requested', {
      tool: name,
      ...(toolCallId ? { toolCallId } : {}),
    });
  }

  override async handleToolEnd(_output: unknown, runId: string): Promise<void> {
    const call = this.finish(runId);
    const toolCallId = call.metadata?.toolCallId;
    await this.recorder.record(this.leave(call.metadata, runId), 'tool.call.executed', {
      tool: call.name,
      ...(typeof toolCallId === 'string' ? { toolCallId } : {}),
      outcome: 'success',
      durationMs: call.durationMs,
    });
  }

  override async handleToolError(error: unknown, runId: string): Promise<void> {
    const call = this.finish(runId);
    const interrupted = (error as { name?: unknown })?.name === 'GraphInterrupt';
    await this.recorder.record(
      this.leave(call.metadata, runId),
      interrupted ? 'interrupt.raised' : 'tool.call.failed',
      interrupted
        ? { node: 'tools', reason: 'tool interrupted' }
        : { tool: call.name, durationMs: call.durationMs, error: auditError(error) },
    );
  }
}
