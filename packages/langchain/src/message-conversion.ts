import {
  AIMessage,
  HumanMessage,
  SystemMessage,
  ToolMessage,
  type BaseMessage,
} from '@langchain/core/messages';
import type { MessageInput, MessageJsonValue, SemanticCacheMessage, StoredMessage } from '@tristack/core';

const ROLES: Record<string, MessageInput['role']> = {
  human: 'user',
  ai: 'assistant',
  system: 'system',
  developer: 'system',
  tool: 'tool',
  generic: 'user',
};

// Generic (`ChatMessage`) roles and the legacy `FunctionMessage` type that carry what a tool returned.
const TOOL_RESULT_ROLES = new Set(['tool', 'function']);

/** The role a generic `ChatMessage` names, lower-cased ('' for other messages). */
function genericRoleOf(message: BaseMessage): string {
  if (message.getType() !== 'generic') return '';
  const role = (message as BaseMessage & { role?: unknown }).role;
  return typeof role === 'string' ? role.toLowerCase() : '';
}

/**
 * True when a message holds what a tool returned: a `ToolMessage`, a legacy `FunctionMessage`, or
 * a `ChatMessage` with role `tool` or `function`. An answer computed from it is the caller's data.
 */
export function isToolResultMessage(message: BaseMessage): boolean {
  const type = message.getType();
  return type === 'tool' || type === 'function' || TOOL_RESULT_ROLES.has(genericRoleOf(message));
}

/**
 * The core role of a LangChain message, as `ConversationMemory` stores it. Memory has no role for
 * a tool result without a tool call id, so a `FunctionMessage` or a generic tool message is stored
 * as `user` here; the cache keys it by `cacheRoleOf`, which keeps it a tool result.
 */
export function roleOf(message: BaseMessage): MessageInput['role'] {
  return ROLES[message.getType()] ?? 'user';
}

/**
 * The role the semantic cache keys a message by: `roleOf`, except that a tool result keeps a
 * tool-result role (`tool`, or `function` for the legacy function messages), which the core cache
 * treats as tool results (user-scoped, refused when history is out of scope).
 */
export function cacheRoleOf(message: BaseMessage): string {
  if (message.getType() === 'function') return 'function';
  const generic = genericRoleOf(message);
  if (TOOL_RESULT_ROLES.has(generic)) return generic;
  return roleOf(message);
}

// JSON round trip: content blocks may hold class instances or undefined fields.
const toJson = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

function contentOf(message: BaseMessage): MessageInput['content'] {
  return typeof message.content === 'string'
    ? message.content
    : (toJson(message.content) as MessageInput['content']);
}

function toolCallsOf(message: BaseMessage) {
  const calls = AIMessage.isInstance(message) ? (message.tool_calls ?? []) : [];
  return calls.map((call, index) => ({
    id: call.id ?? `call_${index}`,
    name: call.name,
    args: toJson(call.args ?? {}) as { [key: string]: MessageJsonValue },
  }));
}

/** A LangChain message as `ConversationMemory` stores it; its id travels in `metadata.messageId`. */
export function toMemoryMessage(message: BaseMessage): MessageInput {
  const role = roleOf(message);
  const input: MessageInput = { role, content: contentOf(message) };
  if (message.name) input.name = message.name;
  const calls = toolCallsOf(message);
  if (role === 'assistant' && calls.length > 0) input.toolCalls = calls;
  if (role === 'tool') input.toolCallId = (message as ToolMessage).tool_call_id;
  if (message.id) input.metadata = { messageId: message.id };
  return input;
}

/** A stored message back as a LangChain message (with its original id when it had one). */
export function fromMemoryMessage(stored: StoredMessage | MessageInput): BaseMessage {
  const original = stored.metadata?.messageId;
  const id = typeof original === 'string' ? original : 'id' in stored ? `memory-${stored.id}` : undefined;
  const content = stored.content as string;
  const fields = {
    content,
    ...(id !== undefined ? { id } : {}),
    ...(stored.name ? { name: stored.name } : {}),
  };
  switch (stored.role) {
    case 'assistant':
      return new AIMessage({
        ...fields,
        tool_calls: (stored.toolCalls ?? []).map((call) => ({ ...call, type: 'tool_call' as const })),
      });
    case 'system':
      return new SystemMessage(fields);
    case 'tool':
      return new ToolMessage({ ...fields, tool_call_id: stored.toolCallId ?? '' });
    default:
      return new HumanMessage(fields);
  }
}

/** A LangChain message as the semantic cache keys it: full content blocks, tool calls, tool call id. */
export function toCacheMessage(message: BaseMessage): SemanticCacheMessage {
  const input = toMemoryMessage(message);
  const cached: SemanticCacheMessage = { role: cacheRoleOf(message), content: input.content };
  if (input.name) cached.name = input.name;
  if (input.toolCalls) cached.toolCalls = input.toolCalls;
  if (input.toolCallId) cached.toolCallId = input.toolCallId;
  return cached;
}
