import type {
  LanguageModelV3CallOptions,
  LanguageModelV3Content,
  LanguageModelV3FinishReason,
  LanguageModelV3Prompt,
} from '@ai-sdk/provider';
import type {
  CachedResponse,
  SemanticCacheContentBlock,
  SemanticCacheMessage,
  SemanticCacheRequest,
} from '@tristack/core';
import type { CacheOwner } from '@tristack/core/driver-kit';
import { contentText } from './model-call.js';

/** Bytes as base64, URLs as their text: a file part counts by its full content, never a placeholder. */
function fileData(data: unknown): string {
  if (typeof data === 'string') return data;
  if (data instanceof URL) return data.href;
  if (data instanceof Uint8Array) return Buffer.from(data).toString('base64');
  return JSON.stringify(data ?? null);
}

/** JSON only: drops `undefined`, turns anything else into its JSON form. */
const json = (value: unknown): unknown =>
  value === undefined ? undefined : JSON.parse(JSON.stringify(value));

function toBlock(part: { type: string } & Record<string, unknown>): SemanticCacheContentBlock {
  const { providerOptions: _ignored, ...rest } = part;
  if (part.type === 'file')
    return { ...(json({ ...rest, data: undefined }) as object), type: 'file', data: fileData(part.data) };
  return json(rest) as SemanticCacheContentBlock;
}

/** The prompt as the cache sees it: roles and content blocks; tool calls and results kept apart. */
export function toCacheMessages(prompt: LanguageModelV3Prompt): SemanticCacheMessage[] {
  return prompt.map((message): SemanticCacheMessage => {
    if (message.role === 'system') return { role: 'system', content: message.content };
    const parts = message.content as unknown as ({ type: string } & Record<string, unknown>)[];
    if (message.role === 'assistant') {
      const toolCalls = parts.filter((part) => part.type === 'tool-call').map(toBlock);
      const rest = parts.filter((part) => part.type !== 'tool-call').map(toBlock);
      return { role: 'assistant', content: rest, ...(toolCalls.length ? { toolCalls } : {}) };
    }
    if (message.role === 'tool') {
      const first = parts.find((part) => typeof part.toolCallId === 'string');
      return {
        role: 'tool',
        content: parts.map(toBlock),
        ...(first ? { toolCallId: first.toolCallId as string } : {}),
      };
    }
    return { role: message.role, content: parts.map(toBlock) };
  });
}

/** Whether the prompt carries tool results (what a tool returned for this caller). */
export const hasToolResults = (prompt: LanguageModelV3Prompt): boolean =>
  prompt.some((message) => message.role === 'tool');

/**
 * The semantic-cache request of a call: every setting that decides the answer is scope — tools,
 * tool choice, sampling, response format and provider options — so a hit never comes from a call
 * with another tool set, schema or temperature.
 */
export function toSemanticCacheRequest(
  owner: CacheOwner,
  model: string,
  params: LanguageModelV3CallOptions,
  tags: Readonly<Record<string, string>> | undefined,
): SemanticCacheRequest {
  const sampling = json({
    maxOutputTokens: params.maxOutputTokens,
    temperature: params.temperature,
    stopSequences: params.stopSequences,
    topP: params.topP,
    topK: params.topK,
    presencePenalty: params.presencePenalty,
    frequencyPenalty: params.frequencyPenalty,
    seed: params.seed,
    responseFormat: params.responseFormat,
    providerOptions: params.providerOptions,
  }) as Record<string, unknown>;
  const request: SemanticCacheRequest = {
    tenant: owner.tenant,
    model,
    messages: toCacheMessages(params.prompt),
  };
  if (owner.user !== undefined) request.user = owner.user;
  if (params.tools?.length) request.tools = json(params.tools) as unknown[];
  if (params.toolChoice !== undefined) request.toolChoice = json(params.toolChoice);
  if (Object.keys(sampling).length) request.sampling = sampling;
  if (tags) request.tags = tags;
  return request;
}

/** What is replayed from a hit: the answer's content (text, reasoning, tool calls) and finish reason. */
interface CachedPayload {
  content: LanguageModelV3Content[];
  finishReason: LanguageModelV3FinishReason;
}

const REPLAYABLE = new Set(['text', 'reasoning', 'tool-call']);

/** An answer as the cache stores it. */
export function toCachedResponse(
  content: readonly LanguageModelV3Content[],
  finishReason: LanguageModelV3FinishReason,
  usage: { inputTokens?: number | undefined; outputTokens?: number | undefined },
): CachedResponse {
  const kept = content.filter((item) => REPLAYABLE.has(item.type));
  const toolCalls = kept.filter((item) => item.type === 'tool-call');
  const payload: CachedPayload = { content: json(kept) as LanguageModelV3Content[], finishReason };
  return {
    content: contentText(kept),
    payload,
    finishReason: finishReason.unified,
    ...(toolCalls.length ? { toolCalls: json(toolCalls) as unknown[] } : {}),
    ...(usage.inputTokens !== undefined || usage.outputTokens !== undefined
      ? { usage: { inputTokens: usage.inputTokens ?? 0, outputTokens: usage.outputTokens ?? 0 } }
      : {}),
  };
}

/** The content and finish reason of a cached answer. */
export function fromCachedResponse(response: CachedResponse): CachedPayload {
  const payload = response.payload as Partial<CachedPayload> | undefined;
  return {
    content: payload?.content ?? [
      { type: 'text', text: typeof response.content === 'string' ? response.content : '' },
    ],
    finishReason: payload?.finishReason ?? { unified: 'stop', raw: response.finishReason },
  };
}
