import { systemClock, type Clock } from '../clock.js';
import { BaseConversationMemory } from './base-conversation-memory.js';
import type {
  ConversationAddress,
  ConversationMemoryOptions,
  ConversationSummary,
  MessageInput,
  ReadMessagesOptions,
  StoredMessage,
  UserAddress,
} from './conversation-memory.js';
import { compareMessageIds, type PreparedMessage } from './conversation-memory-input.js';

const DRIVER = 'memory';

export interface InMemoryConversationMemoryOptions extends ConversationMemoryOptions {
  /** Time source for TTLs and message timestamps. @default systemClock */
  clock?: Clock;
}

interface Conversation {
  messages: StoredMessage[];
  lastActivityAt: number;
  expiresAt: number;
  /** Parts of the last id handed out: ids stay ordered even if the clock goes back. */
  lastTime: number;
  lastSequence: number;
}

/**
 * `ConversationMemory` in this process's memory: for tests, development and single-process
 * agents. Same semantics as the Redis driver (ids, trimming, sliding TTL, index), nothing shared.
 */
export class InMemoryConversationMemory extends BaseConversationMemory {
  private readonly users = new Map<string, Map<string, Conversation>>();
  private readonly clock: Clock;

  constructor(options: InMemoryConversationMemoryOptions = {}) {
    const { clock, ...rest } = options;
    super(rest, DRIVER, 'InMemoryConversationMemory');
    this.clock = clock ?? systemClock;
  }

  protected async appendMessages(
    address: ConversationAddress,
    messages: readonly PreparedMessage[],
  ): Promise<StoredMessage[]> {
    const now = this.clock.now();
    const conversations = this.userConversations(address, true)!;
    let conversation = this.live(conversations, address.conversationId, now);
    if (!conversation) {
      conversation = { messages: [], lastActivityAt: now, expiresAt: now, lastTime: 0, lastSequence: 0 };
      conversations.set(address.conversationId, conversation);
    }
    const stored = messages.map(({ json, tokenCount }) => {
      conversation.lastTime = Math.max(conversation.lastTime, now);
      conversation.lastSequence += 1;
      // Re-parse the JSON so callers can never mutate what is stored.
      const message: StoredMessage = {
        ...(JSON.parse(json) as MessageInput),
        id: `${conversation.lastTime}-${conversation.lastSequence}`,
        createdAt: conversation.lastTime,
        tokenCount,
      };
      conversation.messages.push(message);
      return message;
    });
    if (conversation.messages.length > this.maxMessages)
      conversation.messages.splice(0, conversation.messages.length - this.maxMessages);
    conversation.lastActivityAt = now;
    conversation.expiresAt = now + this.ttlMs;
    return structuredClone(stored);
  }

  protected async readMessages(
    address: ConversationAddress,
    { last, before, maxTokens }: ReadMessagesOptions,
  ): Promise<StoredMessage[]> {
    const conversations = this.userConversations(address, false);
    const conversation = conversations && this.live(conversations, address.conversationId);
    if (!conversation) return [];
    let end = conversation.messages.length;
    if (before !== undefined)
      while (end > 0 && compareMessageIds(conversation.messages[end - 1]!.id, before) >= 0) end--;
    let start = end;
    let tokens = 0;
    while (start > 0 && (last === undefined || end - start < last)) {
      const next = conversation.messages[start - 1]!;
      if (maxTokens !== undefined && tokens + next.tokenCount > maxTokens) break;
      tokens += next.tokenCount;
      start--;
    }
    return structuredClone(conversation.messages.slice(start, end));
  }

  protected async listUserConversations(owner: UserAddress, limit: number): Promise<ConversationSummary[]> {
    const conversations = this.userConversations(owner, false);
    if (!conversations) return [];
    const summaries: ConversationSummary[] = [];
    for (const conversationId of conversations.keys()) {
      const conversation = this.live(conversations, conversationId);
      if (!conversation) continue;
      summaries.push(
        this.summary(owner, {
          conversationId,
          messageCount: conversation.messages.length,
          lastActivityAt: conversation.lastActivityAt,
          expiresAt: conversation.expiresAt,
        }),
      );
    }
    summaries.sort((a, b) => b.lastActivityAt - a.lastActivityAt);
    return summaries.slice(0, limit);
  }

  protected async clearConversation(address: ConversationAddress): Promise<boolean> {
    const conversations = this.userConversations(address, false);
    const existed = Boolean(conversations && this.live(conversations, address.conversationId));
    conversations?.delete(address.conversationId);
    return existed;
  }

  protected async deleteUserConversations(owner: UserAddress): Promise<number> {
    const conversations = this.userConversations(owner, false);
    if (!conversations) return 0;
    let deleted = 0;
    for (const conversationId of conversations.keys())
      if (this.live(conversations, conversationId)) deleted++;
    this.users.delete(userKey(owner));
    return deleted;
  }

  protected async touchConversation(address: ConversationAddress): Promise<boolean> {
    const conversations = this.userConversations(address, false);
    const conversation = conversations && this.live(conversations, address.conversationId);
    if (!conversation) return false;
    conversation.expiresAt = this.clock.now() + this.ttlMs;
    return true;
  }

  private userConversations(owner: UserAddress, create: boolean): Map<string, Conversation> | undefined {
    const key = userKey(owner);
    let conversations = this.users.get(key);
    if (!conversations && create) this.users.set(key, (conversations = new Map()));
    return conversations;
  }

  /** The conversation unless it expired; an expired one is dropped (as Redis expires keys). */
  private live(
    conversations: Map<string, Conversation>,
    conversationId: string,
    now = this.clock.now(),
  ): Conversation | undefined {
    const conversation = conversations.get(conversationId);
    if (conversation && conversation.expiresAt <= now) {
      conversations.delete(conversationId);
      return undefined;
    }
    return conversation;
  }
}

function userKey(owner: UserAddress): string {
  return JSON.stringify([owner.tenantId ?? null, owner.userId]);
}
