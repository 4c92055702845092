import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3Content,
  LanguageModelV3FinishReason,
  LanguageModelV3GenerateResult,
  LanguageModelV3StreamPart,
  LanguageModelV3StreamResult,
  LanguageModelV3Usage,
} from '@ai-sdk/provider';

/** Where an answer came from, on `providerMetadata.tristack`. Read by the audit middleware. */
export interface TristackCallMetadata {
  cached?: { kind: 'exact' | 'semantic'; similarity: number; entryId: string; ageMs: number };
  fallback?: { from: string; to: string; reason: string };
  model?: string;
  rateLimited?: { retryAfterMs: number; rule?: string };
  /** The limiter's store was down and its fail-open policy admitted the call unchecked. */
  rateLimitUnchecked?: 'store-unavailable';
}

/** The id a model is known by in breaker names, cache scopes and audit events (as LangChain's). */
export const modelName = (model: LanguageModelV3): string => model.modelId;

/** Reads the Tristack metadata of a result or a finish part. */
export function tristackMetadataOf(providerMetadata: unknown): TristackCallMetadata {
  return ((providerMetadata as { tristack?: TristackCallMetadata } | undefined)?.tristack ??
    {}) as TristackCallMetadata;
}

/** Provider metadata with Tristack's entries merged in (a copy). */
export function withTristackMetadata<Metadata extends Record<string, unknown> | undefined>(
  providerMetadata: Metadata,
  extra: TristackCallMetadata,
) {
  return {
    ...providerMetadata,
    tristack: { ...tristackMetadataOf(providerMetadata), ...extra },
  } as NonNullable<LanguageModelV3GenerateResult['providerMetadata']>;
}

/** Usage of a call that spent nothing (a cache hit, a denial). */
export const ZERO_USAGE: LanguageModelV3Usage = {
  inputTokens: { total: 0, noCache: 0, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 0, text: 0, reasoning: 0 },
};

/** Input plus output tokens of a call, or `undefined` when the provider reported neither. */
export function totalTokens(usage: LanguageModelV3Usage | undefined): number | undefined {
  const input = usage?.inputTokens.total;
  const output = usage?.outputTokens.total;
  if (input === undefined && output === undefined) return undefined;
  return (input ?? 0) + (output ?? 0);
}

/** ~4 characters per token of the prompt, 4 tokens per message (the LangChain adapter's estimate). */
export function estimatePromptTokens(params: LanguageModelV3CallOptions): number {
  let characters = 0;
  for (const message of params.prompt) {
    characters +=
      typeof message.content === 'string' ? message.content.length : JSON.stringify(message.content).length;
  }
  return Math.ceil(characters / 4) + 4 * params.prompt.length;
}

/** What a stream said by its end: the answer, as a generate call would have returned it. */
export interface StreamOutcome {
  content: LanguageModelV3Content[];
  finishReason: LanguageModelV3FinishReason;
  usage: LanguageModelV3Usage;
  providerMetadata?: LanguageModelV3GenerateResult['providerMetadata'] | undefined;
}

export interface StreamTap {
  /**
   * Called at the `finish` part, before it is passed on; may return the part to pass instead. Not
   * called when an `error` part came first (the answer is partial: never cached, remembered or
   * recorded as finished) unless `finishAfterError` is set.
   */
  onFinish?(
    outcome: StreamOutcome,
    part: Extract<LanguageModelV3StreamPart, { type: 'finish' }>,
  ): Promise<LanguageModelV3StreamPart | void>;
  /** Called on an `error` part or a failing stream. */
  onError?(error: unknown): Promise<void>;
  /** Calls `onFinish` after an `error` part too (the limiter still reconciles the reported usage). */
  finishAfterError?: boolean;
}

/** Watches a model stream: collects text and tool calls, and reports its end. */
export function tapStream(result: LanguageModelV3StreamResult, tap: StreamTap): LanguageModelV3StreamResult {
  let text = '';
  const toolCalls: LanguageModelV3Content[] = [];
  let failed = false;
  const transform = new TransformStream<LanguageModelV3StreamPart, LanguageModelV3StreamPart>({
    async transform(part, controller) {
      if (part.type === 'text-delta') text += part.delta;
      else if (part.type === 'tool-call') toolCalls.push(part);
      else if (part.type === 'error' && !failed) {
        failed = true;
        await tap.onError?.(part.error);
      } else if (part.type === 'finish' && tap.onFinish && (!failed || tap.finishAfterError)) {
        const content: LanguageModelV3Content[] = [
          ...(text ? [{ type: 'text' as const, text }] : []),
          ...toolCalls,
        ];
        const replaced = await tap.onFinish(
          {
            content,
            finishReason: part.finishReason,
            usage: part.usage,
            providerMetadata: part.providerMetadata,
          },
          part,
        );
        controller.enqueue(replaced ?? part);
        return;
      }
      controller.enqueue(part);
    },
  });
  return { ...result, stream: result.stream.pipeThrough(transform) };
}

/** A stream that replays an answer (a cache hit, a denial notice). */
export function replayStream(
  content: readonly LanguageModelV3Content[],
  finish: Pick<StreamOutcome, 'finishReason' | 'usage' | 'providerMetadata'>,
): LanguageModelV3StreamResult {
  const parts: LanguageModelV3StreamPart[] = [{ type: 'stream-start', warnings: [] }];
  content.forEach((item, index) => {
    const id = String(index);
    if (item.type === 'text') {
      parts.push(
        { type: 'text-start', id },
        { type: 'text-delta', id, delta: item.text },
        { type: 'text-end', id },
      );
    } else if (item.type === 'reasoning') {
      parts.push(
        { type: 'reasoning-start', id },
        { type: 'reasoning-delta', id, delta: item.text },
        { type: 'reasoning-end', id },
      );
    } else parts.push(item as LanguageModelV3StreamPart);
  });
  parts.push({
    type: 'finish',
    finishReason: finish.finishReason,
    usage: finish.usage,
    ...(finish.providerMetadata ? { providerMetadata: finish.providerMetadata } : {}),
  });
  return {
    stream: new ReadableStream({
      start(controller) {
        for (const part of parts) controller.enqueue(part);
        controller.close();
      },
    }),
  };
}

/** The text of an answer's content. */
export const contentText = (content: readonly LanguageModelV3Content[]): string =>
  content.map((item) => (item.type === 'text' ? item.text : '')).join('');
