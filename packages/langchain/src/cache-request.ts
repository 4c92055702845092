import {
  AIMessage,
  mapChatMessagesToStoredMessages,
  mapStoredMessagesToChatMessages,
  type BaseMessage,
} from '@langchain/core/messages';
import { toJsonSchema } from '@langchain/core/utils/json_schema';
import { convertToOpenAITool } from '@langchain/core/utils/function_calling';
import type { CachedResponse, SemanticCacheLookupResult, SemanticCacheRequest } from '@tristack/core';
import { toCacheMessage } from './message-conversion.js';

/** Everything of one model call that decides its answer. */
export interface CacheableCall {
  tenant: string;
  /** The user the answer is for; absent only for a cache shared across the tenant's users. */
  user?: string | undefined;
  model: string;
  messages: readonly BaseMessage[];
  system?: string | undefined;
  tools?: readonly unknown[] | undefined;
  toolChoice?: unknown;
  settings?: Readonly<Record<string, unknown>> | undefined;
  responseFormat?: unknown;
  tags?: Readonly<Record<string, string>> | undefined;
}

function describeTool(tool: unknown): unknown {
  try {
    return convertToOpenAITool(tool as Parameters<typeof convertToOpenAITool>[0]);
  } catch {
    return JSON.parse(JSON.stringify(tool ?? null)) as unknown;
  }
}

function describeFormat(format: unknown): unknown {
  if (format === undefined || format === null) return undefined;
  try {
    return toJsonSchema(format as Parameters<typeof toJsonSchema>[0]);
  } catch {
    const described = format as { schema?: unknown; name?: unknown; constructor?: { name?: string } };
    if (Array.isArray(format)) return format.map(describeFormat);
    if (described.schema !== undefined)
      return {
        kind: described.constructor?.name,
        name: described.name,
        schema: describeFormat(described.schema),
      };
    return JSON.parse(JSON.stringify(format)) as unknown;
  }
}

/**
 * The semantic-cache request of a model call. Tools, tool choice, settings and the response
 * format are all scope: a hit never comes from a call with another tool set or output schema.
 */
export function toSemanticCacheRequest(call: CacheableCall): SemanticCacheRequest {
  const responseFormat = describeFormat(call.responseFormat);
  const sampling = { ...call.settings, ...(responseFormat !== undefined ? { responseFormat } : {}) };
  const request: SemanticCacheRequest = {
    tenant: call.tenant,
    model: call.model,
    messages: call.messages.map(toCacheMessage),
  };
  if (call.user !== undefined) request.user = call.user;
  if (call.system) request.system = call.system;
  if (call.tools?.length) request.tools = call.tools.map(describeTool);
  if (call.toolChoice !== undefined) request.toolChoice = call.toolChoice;
  if (Object.keys(sampling).length)
    request.sampling = JSON.parse(JSON.stringify(sampling)) as Record<string, unknown>;
  if (call.tags) request.tags = call.tags;
  return request;
}

/** An AI message as the cache stores it: content for matching stats, the full message as payload. */
export function toCachedResponse(message: AIMessage): CachedResponse {
  const usage = message.usage_metadata;
  const response: CachedResponse = {
    content:
      typeof message.content === 'string'
        ? message.content
        : (JSON.parse(JSON.stringify(message.content)) as CachedResponse['content']),
    payload: mapChatMessagesToStoredMessages([message])[0],
  };
  if (message.tool_calls?.length) response.toolCalls = message.tool_calls;
  if (usage) response.usage = { inputTokens: usage.input_tokens, outputTokens: usage.output_tokens };
  return response;
}

/** Where an answer came from, on `response_metadata.tristack`. Read by the audit middleware. */
export interface TristackResponseMetadata {
  cached?: { kind: 'exact' | 'semantic'; similarity: number; entryId: string; ageMs: number };
  fallback?: { from: string; to: string; reason: string };
  model?: string;
}

/** Reads the Tristack metadata of an answer. */
export function tristackMetadata(message: BaseMessage): TristackResponseMetadata {
  return (message.response_metadata as { tristack?: TristackResponseMetadata } | undefined)?.tristack ?? {};
}

/** Adds Tristack metadata to an answer (a copy: cached and shared messages are never mutated). */
export function withTristackMetadata(message: AIMessage, extra: TristackResponseMetadata): AIMessage {
  return new AIMessage({
    ...message,
    content: message.content,
    tool_calls: message.tool_calls ?? [],
    ...(message.usage_metadata ? { usage_metadata: message.usage_metadata } : {}),
    response_metadata: {
      ...message.response_metadata,
      tristack: { ...tristackMetadata(message), ...extra },
    },
  } as ConstructorParameters<typeof AIMessage>[0]);
}

/** The AI message of a cache hit: usage zeroed (no tokens were spent), hit details in metadata. */
export function fromCacheHit(hit: Extract<SemanticCacheLookupResult, { hit: true }>): AIMessage {
  const payload = hit.response.payload;
  const restored = payload
    ? mapStoredMessagesToChatMessages([
        payload as Parameters<typeof mapStoredMessagesToChatMessages>[0][number],
      ])[0]
    : undefined;
  const base =
    restored && AIMessage.isInstance(restored)
      ? restored
      : new AIMessage({ content: hit.response.content as string });
  const message = new AIMessage({
    content: base.content,
    tool_calls: base.tool_calls ?? [],
    ...(base.id ? { id: base.id } : {}),
    usage_metadata: { input_tokens: 0, output_tokens: 0, total_tokens: 0 },
    response_metadata: { ...base.response_metadata },
  });
  return withTristackMetadata(message, {
    cached: { kind: hit.kind, similarity: hit.similarity, entryId: hit.entryId, ageMs: hit.ageMs },
  });
}
