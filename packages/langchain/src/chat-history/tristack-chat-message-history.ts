import { BaseListChatMessageHistory } from '@langchain/core/chat_history';
import type { BaseMessage } from '@langchain/core/messages';
import type { ConversationAddress, ConversationMemory } from '@tristack/core';
import { conversationAddressSchema, parseInput, parseOptions } from '@tristack/core/driver-kit';
import { z } from 'zod';
import { fromMemoryMessage, toMemoryMessage } from '../message-conversion.js';

export interface TristackChatMessageHistoryOptions {
  memory: ConversationMemory;
  /** The conversation this history reads and appends to. */
  address: ConversationAddress;
  /** `getMessages` returns at most the newest messages within this token budget. @default no budget */
  maxTokens?: number;
  /** `getMessages` returns at most this many (newest) messages. @default every message memory holds */
  maxMessages?: number;
}

const optionsSchema = z.object({
  maxTokens: z.number().int().min(0).optional(),
  maxMessages: z.number().int().min(1).max(100_000).optional(),
});

/**
 * A LangChain chat message history (`RunnableWithMessageHistory`, legacy chains) over a core
 * `ConversationMemory`: every worker sees the same conversation, with memory's TTL and trimming.
 * Message ids survive the round trip; `addMessages` appends atomically (all or none).
 */
export class TristackChatMessageHistory extends BaseListChatMessageHistory {
  lc_namespace = ['tristack', 'chat_history'];
  private readonly memory: ConversationMemory;
  private readonly address: ConversationAddress;
  private readonly readOptions: { maxTokens?: number; last?: number };

  constructor(options: TristackChatMessageHistoryOptions) {
    super();
    const { memory, address, ...rest } = options;
    const parsed = parseOptions(optionsSchema, rest, {
      what: 'TristackChatMessageHistory',
      driver: 'langchain',
    });
    this.memory = memory;
    this.address = parseInput(conversationAddressSchema, address, {
      what: 'conversation address',
      driver: 'langchain',
    }) as ConversationAddress;
    this.readOptions = {
      ...(parsed.maxTokens !== undefined ? { maxTokens: parsed.maxTokens } : {}),
      ...(parsed.maxMessages !== undefined ? { last: parsed.maxMessages } : {}),
    };
  }

  async getMessages(): Promise<BaseMessage[]> {
    const stored = await this.memory.read(this.address, this.readOptions);
    return stored.map(fromMemoryMessage);
  }

  async addMessage(message: BaseMessage): Promise<void> {
    await this.addMessages([message]);
  }

  override async addMessages(messages: BaseMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.memory.append(this.address, messages.map(toMemoryMessage));
  }

  override async clear(): Promise<void> {
    await this.memory.clear(this.address);
  }
}

/** The chat message history of one conversation (see `TristackChatMessageHistory`). */
export function toLangChainChatHistory(
  memory: ConversationMemory,
  address: ConversationAddress,
  options: Omit<TristackChatMessageHistoryOptions, 'memory' | 'address'> = {},
): TristackChatMessageHistory {
  return new TristackChatMessageHistory({ memory, address, ...options });
}
