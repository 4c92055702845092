import type {
  LanguageModelV3,
  LanguageModelV3FinishReason,
  LanguageModelV3Middleware,
  LanguageModelV3StreamPart,
  LanguageModelV3Usage,
} from '@ai-sdk/provider';
import {
  TelemetryAttribute as A,
  TelemetrySpanKind,
  markSpanFailed,
  type TelemetrySpan,
} from '@tristack/core/driver-kit';
import { modelName, tristackMetadataOf } from '../model-call.js';
import { aiSdkTelemetry, providerName } from '../telemetry.js';

/**
 * Longest model-supplied text (response model, finish reason) put on a span: these come from the
 * provider, so a hostile or broken one cannot make every span huge (as the LangChain adapter).
 */
const MAX_MODEL_TEXT_LENGTH = 256;

function boundedText(value: string): string {
  return value.length > MAX_MODEL_TEXT_LENGTH ? value.slice(0, MAX_MODEL_TEXT_LENGTH) : value;
}

type Outcome = 'success' | 'error' | 'cached' | 'rate_limited';

/** What a call answered, generated or streamed: only its metadata is read, never its content. */
interface CallResult {
  finishReason: LanguageModelV3FinishReason | undefined;
  usage: LanguageModelV3Usage | undefined;
  providerMetadata: unknown;
  responseModel: string | undefined;
}

/** Usage, finish reason and where the answer came from, set on the `chat` span and counted. */
function describeResult(span: TelemetrySpan, result: CallResult, base: Record<string, string>): Outcome {
  const metadata = tristackMetadataOf(result.providerMetadata);
  if (metadata.rateLimited) return 'rate_limited';
  const input = result.usage?.inputTokens.total;
  const output = result.usage?.outputTokens.total;
  if (!metadata.cached) {
    const instruments = aiSdkTelemetry.instruments;
    if (input !== undefined) instruments.tokenUsage.record(input, { ...base, [A.tokenType]: 'input' });
    if (output !== undefined) instruments.tokenUsage.record(output, { ...base, [A.tokenType]: 'output' });
  }
  if (span.isRecording()) {
    const responseModel = metadata.model ?? result.responseModel;
    if (typeof responseModel === 'string') span.setAttribute(A.responseModel, boundedText(responseModel));
    const finish = result.finishReason?.unified;
    if (typeof finish === 'string') span.setAttribute(A.responseFinishReasons, [boundedText(finish)]);
    if (input !== undefined) span.setAttribute(A.usageInputTokens, input);
    if (output !== undefined) span.setAttribute(A.usageOutputTokens, output);
    const cachedRead = result.usage?.inputTokens.cacheRead;
    if (cachedRead !== undefined) span.setAttribute(A.usageCachedInputTokens, cachedRead);
    if (metadata.cached) {
      span.setAttribute(A.cacheResult, metadata.cached.kind);
      span.setAttribute(A.cacheSimilarity, metadata.cached.similarity);
    }
  }
  return metadata.cached ? 'cached' : 'success';
}

/** The span name's model and the attributes every span and metric of the call carries. */
function describeCall(model: LanguageModelV3): { name: string; base: Record<string, string> } {
  const name = modelName(model);
  const base: Record<string, string> = { [A.operationName]: 'chat', [A.requestModel]: name };
  const provider = providerName(model.provider);
  if (provider) base[A.providerName] = provider;
  return { name, base };
}

function recordCall(name: string, outcome: Outcome, started: number, base: Record<string, string>): void {
  const instruments = aiSdkTelemetry.instruments;
  instruments.modelCalls.add(1, { [A.requestModel]: name, [A.modelOutcome]: outcome });
  instruments.operationDuration.record((performance.now() - started) / 1000, base);
}

const isAbort = (error: unknown): boolean => (error as { name?: unknown } | null)?.name === 'AbortError';

/**
 * OpenTelemetry spans and metrics for `wrapLanguageModel` (GenAI conventions,
 * `GEN_AI_SEMCONV_VERSION`): a `chat <model>` CLIENT span per call, generated or streamed, with
 * the request and response model, provider, finish reason and token usage (cached input tokens
 * included); the cache lookup and limiter decision of the inner middlewares are its children. A
 * stream's span ends when the stream does (finished, failed or cancelled). Attributes never hold
 * message content or user, tenant or run ids. A no-op when the app registered no OpenTelemetry
 * SDK. Put it outermost; `productionMiddleware` does (after only its identity guard).
 */
export function telemetryMiddleware(): LanguageModelV3Middleware {
  const telemetry = aiSdkTelemetry;
  return {
    specificationVersion: 'v3',
    wrapGenerate: async ({ doGenerate, model }) => {
      const { name, base } = describeCall(model);
      const started = performance.now();
      let outcome: Outcome = 'error';
      try {
        return await telemetry.inSpan(`chat ${name}`, TelemetrySpanKind.CLIENT, async (span) => {
          if (span.isRecording()) span.setAttributes(base);
          const result = await doGenerate();
          outcome = describeResult(
            span,
            {
              finishReason: result.finishReason,
              usage: result.usage,
              providerMetadata: result.providerMetadata,
              responseModel: result.response?.modelId,
            },
            base,
          );
          return result;
        });
      } finally {
        recordCall(name, outcome, started, base);
      }
    },
    wrapStream: async ({ doStream, model }) => {
      const { name, base } = describeCall(model);
      const started = performance.now();
      // Not `inSpan`: the span outlives this function, until the stream ends.
      return telemetry.tracer.startActiveSpan(
        `chat ${name}`,
        { kind: TelemetrySpanKind.CLIENT },
        async (span) => {
          if (span.isRecording()) span.setAttributes(base);
          let ended = false;
          const end = (outcome: Outcome, failure?: { error?: unknown; type?: string }) => {
            if (ended) return;
            ended = true;
            if (failure) markSpanFailed(span, failure.error, failure.type);
            span.end();
            recordCall(name, outcome, started, base);
          };
          const failed = (error: unknown) => ({ error, ...(isAbort(error) ? { type: 'AbortError' } : {}) });
          let result;
          try {
            result = await doStream();
          } catch (error) {
            end('error', failed(error));
            throw error;
          }
          const reader = result.stream.getReader();
          let responseModel: string | undefined;
          let finish: Extract<LanguageModelV3StreamPart, { type: 'finish' }> | undefined;
          let streamError: { error: unknown } | undefined;
          const stream = new ReadableStream<LanguageModelV3StreamPart>({
            async pull(controller) {
              let next: Awaited<ReturnType<typeof reader.read>>;
              try {
                next = await reader.read();
              } catch (error) {
                end('error', failed(error));
                throw error;
              }
              if (next.done) {
                if (streamError) end('error', failed(streamError.error));
                else if (!finish) end('error', { type: 'stream_incomplete' });
                else
                  end(
                    describeResult(
                      span,
                      {
                        finishReason: finish.finishReason,
                        usage: finish.usage,
                        providerMetadata: finish.providerMetadata,
                        responseModel,
                      },
                      base,
                    ),
                  );
                controller.close();
                return;
              }
              const part = next.value;
              if (part.type === 'response-metadata' && part.modelId !== undefined)
                responseModel = part.modelId;
              else if (part.type === 'error') streamError ??= { error: part.error };
              else if (part.type === 'finish') finish = part;
              controller.enqueue(part);
            },
            async cancel(reason) {
              // The consumer stopped reading (an abort): the call did not finish.
              end('error', { type: 'AbortError' });
              await reader.cancel(reason);
            },
          });
          return { ...result, stream };
        },
      );
    },
  };
}
