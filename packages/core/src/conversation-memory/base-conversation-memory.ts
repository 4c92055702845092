import { parseInput, parseOptions } from '../validation.js';
import {
  conversationMemoryOptionsSchema,
  listConversationsOptionsSchema,
  type ConversationAddress,
  type ConversationMemory,
  type ConversationMemoryOptions,
  type ConversationSummary,
  type ListConversationsOptions,
  type MessageInput,
  type ReadMessagesOptions,
  type StoredMessage,
  type TokenCounter,
  type UserAddress,
} from './conversation-memory.js';
import {
  estimateMessageTokens,
  parseAppend,
  parseConversationAddress,
  parseReadOptions,
  parseUserAddress,
  type PreparedMessage,
} from './conversation-memory-input.js';

/**
 * What every `ConversationMemory` driver shares: options, validation of every input before the
 * store sees it, and the shape of index entries. A driver supplies the six store operations, which
 * receive validated input only. For driver authors.
 *
 * The contract does not include: the clock (a store stamps messages and expiries with its own
 * time), key or table layout, how the per-user index is kept, token counting (the base class
 * counts with `tokenCounter`), and connection handling.
 */
export abstract class BaseConversationMemory implements ConversationMemory {
  protected readonly ttlMs: number;
  protected readonly maxMessages: number;
  protected readonly maxMessageBytes: number;
  protected readonly tokenCounter: TokenCounter;

  protected constructor(
    options: ConversationMemoryOptions,
    protected readonly driver: string,
    what: string,
  ) {
    const parsed = parseOptions(conversationMemoryOptionsSchema, options, { what, driver });
    this.ttlMs = parsed.ttlMs;
    this.maxMessages = parsed.maxMessages;
    this.maxMessageBytes = parsed.maxMessageBytes;
    this.tokenCounter = parsed.tokenCounter ?? estimateMessageTokens;
  }

  /** Appends validated, serialized messages atomically; trims, refreshes the TTL and the index. */
  protected abstract appendMessages(
    address: ConversationAddress,
    messages: readonly PreparedMessage[],
  ): Promise<StoredMessage[]>;
  protected abstract readMessages(
    address: ConversationAddress,
    options: ReadMessagesOptions,
  ): Promise<StoredMessage[]>;
  protected abstract listUserConversations(user: UserAddress, limit: number): Promise<ConversationSummary[]>;
  protected abstract clearConversation(address: ConversationAddress): Promise<boolean>;
  protected abstract deleteUserConversations(user: UserAddress): Promise<number>;
  protected abstract touchConversation(address: ConversationAddress): Promise<boolean>;

  async append(address: ConversationAddress, messages: readonly MessageInput[]): Promise<StoredMessage[]> {
    const parsed = parseAppend(address, messages, {
      driver: this.driver,
      maxMessageBytes: this.maxMessageBytes,
      tokenCounter: this.tokenCounter,
    });
    return this.appendMessages(parsed.address, parsed.messages);
  }

  async read(address: ConversationAddress, options: ReadMessagesOptions = {}): Promise<StoredMessage[]> {
    const parsed = parseConversationAddress(address, this.driver);
    return this.readMessages(parsed, parseReadOptions(options, this.driver));
  }

  async listConversations(
    user: UserAddress | string,
    options: ListConversationsOptions = {},
  ): Promise<ConversationSummary[]> {
    const owner = parseUserAddress(user, this.driver);
    const { limit = 100 } = parseInput(listConversationsOptionsSchema, options, {
      what: 'list options',
      driver: this.driver,
    });
    return this.listUserConversations(owner, limit);
  }

  async clear(address: ConversationAddress): Promise<boolean> {
    return this.clearConversation(parseConversationAddress(address, this.driver));
  }

  async deleteUser(user: UserAddress | string): Promise<number> {
    return this.deleteUserConversations(parseUserAddress(user, this.driver));
  }

  async touch(address: ConversationAddress): Promise<boolean> {
    return this.touchConversation(parseConversationAddress(address, this.driver));
  }

  /** An index entry of `owner`, without a `tenantId` key when the owner has none. */
  protected summary(
    owner: UserAddress,
    entry: Omit<ConversationSummary, 'tenantId' | 'userId'>,
  ): ConversationSummary {
    return {
      ...(owner.tenantId === undefined ? {} : { tenantId: owner.tenantId }),
      userId: owner.userId,
      ...entry,
    };
  }
}
