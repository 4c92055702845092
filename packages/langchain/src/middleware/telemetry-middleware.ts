import { AIMessage, ToolMessage } from '@langchain/core/messages';
import { isGraphInterrupt } from '@langchain/langgraph';
import { AsyncLocalStorageProviderSingleton } from '@langchain/core/singletons';
import { MiddlewareError, ToolInvocationError, createMiddleware } from 'langchain';
import {
  TelemetryAttribute as A,
  TelemetrySpanKind,
  ToolContentRecorder,
  inToolSpan,
  markSpanFailed,
  telemetryToolName,
  type TelemetrySpan,
} from '@tristack/core/driver-kit';
import type { ToolContentTelemetry } from '@tristack/core';
import { tristackMetadata } from '../cache-request.js';
import { langGraphRunId } from '../langgraph-run-id.js';
import { modelName } from '../model-identity.js';
import { langchainTelemetry, providerName } from '../telemetry.js';

/** Agent spans left open by runs that never reached `afterAgent` are ended past this many. */
const MAX_OPEN_AGENT_SPANS = 1024;
/**
 * Longest model-supplied text (response model, finish reason, tool call id) put on a span: these
 * come from the provider or the model, so a hostile or broken one cannot make every span huge.
 */
const MAX_MODEL_TEXT_LENGTH = 256;

function boundedText(value: string): string {
  return value.length > MAX_MODEL_TEXT_LENGTH ? value.slice(0, MAX_MODEL_TEXT_LENGTH) : value;
}

/**
 * The run's own abort signals (the caller's `signal`, the graph's `timeout`), which LangGraph keeps
 * in the run's config; a hook's `runtime.signal` only lives for its step.
 */
function runAbortSignals(): AbortSignal[] {
  const config = AsyncLocalStorageProviderSingleton.getRunnableConfig() as
    { configurable?: Record<string, unknown> } | undefined;
  const signals = config?.configurable?.['__pregel_abort_signals'] as
    { externalAbortSignal?: unknown; timeoutAbortSignal?: unknown } | undefined;
  return [signals?.externalAbortSignal, signals?.timeoutAbortSignal].filter(
    (signal): signal is AbortSignal => signal instanceof AbortSignal,
  );
}

/**
 * True when ToolNode turns the error into an error ToolMessage and the run goes on: a tool-input
 * validation error, however many middlewares rewrapped it. Any other error ends the run.
 */
function runContinuesAfter(error: unknown): boolean {
  let root = error;
  while (MiddlewareError.isInstance(root)) root = root.cause;
  return ToolInvocationError.isInstance(root);
}

type Outcome = 'success' | 'error' | 'cached' | 'rate_limited';

/** Usage, finish reason and where the answer came from, set on the `chat` span and counted. */
function describeResponse(span: TelemetrySpan, response: unknown, base: Record<string, string>): Outcome {
  const message = AIMessage.isInstance(response) ? response : undefined;
  if (!message) return 'success';
  const rateLimited = (message.response_metadata as { tristack?: { rateLimited?: unknown } })?.tristack
    ?.rateLimited;
  if (rateLimited) return 'rate_limited';
  const metadata = tristackMetadata(message);
  const usage = message.usage_metadata;
  const instruments = langchainTelemetry.instruments;
  if (usage && !metadata.cached) {
    instruments.tokenUsage.record(usage.input_tokens, { ...base, [A.tokenType]: 'input' });
    instruments.tokenUsage.record(usage.output_tokens, { ...base, [A.tokenType]: 'output' });
  }
  if (span.isRecording()) {
    const responseModel =
      metadata.model ?? (message.response_metadata as { model_name?: unknown })?.model_name;
    if (typeof responseModel === 'string') span.setAttribute(A.responseModel, boundedText(responseModel));
    const finish = (message.response_metadata as { finish_reason?: unknown; stop_reason?: unknown })
      ?.finish_reason;
    if (typeof finish === 'string') span.setAttribute(A.responseFinishReasons, [boundedText(finish)]);
    else if (message.tool_calls?.length) span.setAttribute(A.responseFinishReasons, ['tool_calls']);
    if (usage) {
      span.setAttribute(A.usageInputTokens, usage.input_tokens);
      span.setAttribute(A.usageOutputTokens, usage.output_tokens);
      const cachedRead = usage.input_token_details?.cache_read;
      if (cachedRead !== undefined) span.setAttribute(A.usageCachedInputTokens, cachedRead);
    }
    if (metadata.cached) {
      span.setAttribute(A.cacheResult, metadata.cached.kind);
      span.setAttribute(A.cacheSimilarity, metadata.cached.similarity);
    }
  }
  return metadata.cached ? 'cached' : 'success';
}

export interface TelemetryMiddlewareOptions {
  /** `gen_ai.agent.name` and the `invoke_agent <name>` span name. @default 'agent' */
  agentName?: string;
  /**
   * Opt-in: each tool call's arguments and result (the `ToolMessage` content) on its
   * `execute_tool` span as `gen_ai.tool.call.arguments` / `gen_ai.tool.call.result`, redacted
   * with the audit trail's `Redactor` rules and cut to `maxLength` (see `ToolContentTelemetry`).
   * Off by default: spans never carry arguments or results.
   * @default false
   */
  toolContent?: ToolContentTelemetry;
}

/**
 * OpenTelemetry spans for `createAgent` (GenAI conventions, `GEN_AI_SEMCONV_VERSION`): one
 * `invoke_agent <name>` span per run, a `chat <model>` span per model call (cache hits, limiter
 * and breaker decisions inside it) and an `execute_tool <name>` span per tool call. Attributes
 * never hold message content or user ids, nor tool arguments or results unless `toolContent`
 * opts in. A no-op when the app registered no OpenTelemetry SDK. Put it first (outermost), after only a middleware whose
 * `beforeAgent` may refuse the run (no hook of this one would see that); `productionMiddleware` does.
 */
export function telemetryMiddleware(options: TelemetryMiddlewareOptions = {}) {
  const telemetry = langchainTelemetry;
  const agentName = options.agentName ?? 'agent';
  const toolContent = ToolContentRecorder.from(options.toolContent);
  const agentSpans = new Map<string, { span: TelemetrySpan; stopWatching: () => void }>();
  const endAgent = (runId: string | undefined, error?: unknown, type?: string) => {
    const open = runId === undefined ? undefined : agentSpans.get(runId);
    if (!open) return;
    agentSpans.delete(runId!);
    open.stopWatching();
    if (error !== undefined || type !== undefined) markSpanFailed(open.span, error, type);
    open.span.end();
  };
  // An abort ends the run between hooks too: end its span then, as failed.
  const watchAbort = (runId: string) => {
    const signals = runAbortSignals();
    const onAbort = () => endAgent(runId, undefined, 'AbortError');
    for (const signal of signals) signal.addEventListener('abort', onAbort, { once: true });
    return () => {
      for (const signal of signals) signal.removeEventListener('abort', onAbort);
    };
  };
  // Children hang under the run's agent span, found by the LangGraph run id every node shares.
  const parentOf = () => {
    const open = agentSpans.get(langGraphRunId() ?? '');
    return open ? telemetry.contextWith(open.span) : undefined;
  };
  return createMiddleware({
    name: 'TristackTelemetry',
    beforeAgent: () => {
      const runId = langGraphRunId();
      if (runId === undefined || agentSpans.has(runId)) return;
      // A run that ended where no hook saw it (a later middleware's beforeAgent threw): its
      // span ends as failed rather than staying open.
      if (agentSpans.size >= MAX_OPEN_AGENT_SPANS)
        endAgent(agentSpans.keys().next().value, undefined, 'run_not_finished');
      const span = telemetry.tracer.startSpan(`invoke_agent ${agentName}`, {
        kind: TelemetrySpanKind.INTERNAL,
      });
      // Without an SDK the span is a no-op: nothing to keep (children take the active context).
      if (!span.isRecording()) return;
      span.setAttribute(A.operationName, 'invoke_agent');
      span.setAttribute(A.agentName, agentName);
      agentSpans.set(runId, { span, stopWatching: watchAbort(runId) });
    },
    afterAgent: () => endAgent(langGraphRunId()),
    wrapModelCall: async (request, handler) => {
      const model = modelName(request.model);
      const parent = parentOf();
      const started = performance.now();
      const base: Record<string, string> = { [A.operationName]: 'chat', [A.requestModel]: model };
      const provider = providerName(request.model);
      if (provider) base[A.providerName] = provider;
      let outcome: Outcome = 'error';
      try {
        return await telemetry.inSpan(
          `chat ${model}`,
          TelemetrySpanKind.CLIENT,
          async (span) => {
            if (span.isRecording()) span.setAttributes(base);
            const response = await handler(request);
            outcome = describeResponse(span, response, base);
            return response;
          },
          parent ? { parent } : {},
        );
      } catch (error) {
        // The error ends the run (this middleware is outermost); an interrupt pauses it.
        endAgent(langGraphRunId(), isGraphInterrupt(error) ? undefined : error);
        throw error;
      } finally {
        const instruments = telemetry.instruments;
        instruments.modelCalls.add(1, { [A.requestModel]: model, [A.modelOutcome]: outcome });
        instruments.operationDuration.record((performance.now() - started) / 1000, base);
      }
    },
    wrapToolCall: async (request, handler) => {
      // A name the model invented (no such tool) is `_OTHER`: it may carry prompt text.
      const name = telemetryToolName(
        request.tool?.name === request.toolCall.name ? request.toolCall.name : undefined,
      );
      let outcome = 'error';
      try {
        return await inToolSpan(
          telemetry,
          name,
          async (span) => {
            const toolkit = (request.tool as { metadata?: { toolkit?: unknown } } | undefined)?.metadata
              ?.toolkit;
            if (span.isRecording()) {
              if (request.toolCall.id) span.setAttribute(A.toolCallId, boundedText(request.toolCall.id));
              if (typeof toolkit === 'string') span.setAttribute(A.toolkit, toolkit);
              toolContent?.record(span, 'arguments', request.toolCall.args);
            }
            try {
              const result = await handler(request);
              if (toolContent && ToolMessage.isInstance(result))
                toolContent.record(span, 'result', result.content);
              const failed = ToolMessage.isInstance(result) && result.status === 'error';
              outcome = failed ? 'error' : 'success';
              const authorization = ToolMessage.isInstance(result)
                ? (result.response_metadata as { tristack?: { authorizationStatus?: unknown } })?.tristack
                    ?.authorizationStatus
                : undefined;
              if (span.isRecording()) {
                span.setAttribute(A.toolOutcome, outcome);
                if (typeof authorization === 'string') span.setAttribute(A.toolAuthorization, authorization);
                if (failed) markSpanFailed(span, undefined, 'tool_error');
              }
              return result;
            } catch (error) {
              outcome = isGraphInterrupt(error) ? 'interrupted' : 'error';
              if (span.isRecording()) span.setAttribute(A.toolOutcome, outcome);
              // A paused run does not reach `afterAgent`: its agent span ends here; so does
              // a failed one, unless ToolNode turns the error into a message and goes on.
              if (outcome === 'interrupted') endAgent(langGraphRunId());
              else if (!runContinuesAfter(error)) endAgent(langGraphRunId(), error);
              throw error;
            }
          },
          (() => {
            const parent = parentOf();
            return parent ? { parent } : {};
          })(),
        );
      } finally {
        telemetry.instruments.toolExecutions.add(1, { [A.toolName]: name, [A.toolOutcome]: outcome });
      }
    },
  });
}
