import type { AgentInputItem, Session } from '@openai/agents-core';
import {
  InvalidOptionsError,
  type ConversationAddress,
  type ConversationMemory,
  type MessageInput,
  type MessageJsonValue,
  type StoredMessage,
} from '@tristack/core';
import { conversationAddressSchema, MAX_MESSAGES_PER_APPEND, parseOptions } from '@tristack/core/driver-kit';

export interface ConversationMemorySessionOptions {
  memory: ConversationMemory;
  /**
   * The conversation: `{ tenantId?, userId, conversationId }` from your authenticated request,
   * never from model output. The session id is its `conversationId`.
   */
  address: ConversationAddress;
}

const isMemory = (value: unknown): value is ConversationMemory =>
  typeof value === 'object' &&
  value !== null &&
  ['read', 'append', 'clear'].every(
    (method) => typeof (value as Record<string, unknown>)[method] === 'function',
  );

/** The text of an item, for the memory's token budget and trimming (the item itself is kept whole). */
function itemText(item: AgentInputItem): string {
  const candidate = item as { content?: unknown; output?: unknown; arguments?: unknown };
  const value = candidate.content ?? candidate.output ?? candidate.arguments ?? '';
  if (typeof value === 'string') return value;
  if (Array.isArray(value))
    return value
      .map((part) => (typeof part === 'object' && part && 'text' in part ? String(part.text) : ''))
      .join('');
  return JSON.stringify(value);
}

/** The memory role an item counts as: messages keep theirs, tool results are `tool`, the rest `assistant`. */
function itemRole(item: AgentInputItem): MessageInput['role'] {
  const role = (item as { role?: unknown }).role;
  if (role === 'user' || role === 'assistant' || role === 'system') return role;
  return (item as { type?: unknown }).type === 'function_call_result' ? 'tool' : 'assistant';
}

/** Tool calls and results keep their pairing in memory (its trimming never splits a pair). */
function toolFields(item: AgentInputItem): Pick<MessageInput, 'toolCalls' | 'toolCallId'> {
  const call = item as { type?: unknown; callId?: unknown; name?: unknown; arguments?: unknown };
  if (typeof call.callId !== 'string') return {};
  if (call.type === 'function_call_result') return { toolCallId: call.callId };
  if (call.type !== 'function_call') return {};
  let args: Record<string, MessageJsonValue> = { arguments: String(call.arguments ?? '') };
  try {
    const parsed: unknown = JSON.parse(String(call.arguments));
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
      args = parsed as Record<string, MessageJsonValue>;
  } catch {
    // Not JSON: kept as the model wrote it.
  }
  return { toolCalls: [{ id: call.callId, name: String(call.name ?? ''), args }] };
}

const toMessage = (item: AgentInputItem): MessageInput => ({
  role: itemRole(item),
  content: itemText(item),
  ...toolFields(item),
  // The item as the SDK gave it: returned unchanged by `getItems`.
  metadata: { item: JSON.parse(JSON.stringify(item)) as MessageJsonValue },
});

const toItem = (message: StoredMessage): AgentInputItem =>
  (message.metadata?.item as AgentInputItem | undefined) ??
  ({
    role: message.role === 'user' ? 'user' : 'assistant',
    content: String(message.content),
  } as AgentInputItem);

/**
 * An OpenAI Agents SDK `Session` on a Tristack `ConversationMemory` (Redis: shared by every
 * worker): one conversation per user, with the memory's TTL and trimming (`maxMessages`,
 * token budgets) applied to the agent's history. Items are stored whole, so reasoning items,
 * tool calls and tool results come back as the SDK wrote them.
 *
 * `popItem` has no single-message delete to use: it reads the history, clears it and writes it
 * back without the last item. It is not atomic: a concurrent writer of the same conversation
 * loses what it appended in between (hold a `ConversationLease` around runs if two may overlap),
 * and a process that dies between the clear and the rewrite leaves the conversation empty — its
 * whole history is lost, not only the popped item.
 */
export class ConversationMemorySession implements Session {
  private readonly memory: ConversationMemory;
  private readonly address: ConversationAddress;

  /** Throws `InvalidOptionsError` for a missing memory or an invalid address (no session id otherwise). */
  constructor(options: ConversationMemorySessionOptions) {
    if (!isMemory(options?.memory))
      throw new InvalidOptionsError(
        'ConversationMemorySession: memory must be a ConversationMemory (read, append and clear methods)',
        { driver: 'openai-agents' },
      );
    this.memory = options.memory;
    this.address = parseOptions(conversationAddressSchema, options.address, {
      what: 'ConversationMemorySession address',
      driver: 'openai-agents',
    });
  }

  /** The conversation's id. */
  async getSessionId(): Promise<string> {
    return this.address.conversationId;
  }

  /** The conversation's items, oldest first; with a limit, only that many of the most recent. */
  async getItems(limit?: number): Promise<AgentInputItem[]> {
    // As the SDK's own `MemorySession`: no items asked for, none returned.
    if (limit !== undefined && limit <= 0) return [];
    const messages = await this.memory.read(this.address, limit !== undefined ? { last: limit } : {});
    return messages.map(toItem);
  }

  /** Appends items to the conversation (in batches the memory accepts). */
  async addItems(items: AgentInputItem[]): Promise<void> {
    for (let start = 0; start < items.length; start += MAX_MESSAGES_PER_APPEND)
      await this.memory.append(
        this.address,
        items.slice(start, start + MAX_MESSAGES_PER_APPEND).map(toMessage),
      );
  }

  /**
   * Removes and returns the most recent item. Not atomic (see the class comment): a crash between
   * its clear and its rewrite loses the conversation's whole history.
   */
  async popItem(): Promise<AgentInputItem | undefined> {
    const messages = await this.memory.read(this.address);
    const last = messages.at(-1);
    if (!last) return undefined;
    await this.memory.clear(this.address);
    await this.addItems(messages.slice(0, -1).map(toItem));
    return toItem(last);
  }

  /** Deletes the conversation. */
  async clearSession(): Promise<void> {
    await this.memory.clear(this.address);
  }
}
