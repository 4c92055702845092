export {
  MAX_MESSAGES_PER_APPEND,
  MESSAGE_ROLES,
  appendMessagesSchema,
  contentBlockSchema,
  conversationAddressSchema,
  conversationMemoryOptionsSchema,
  listConversationsOptionsSchema,
  messageIdSchema,
  messageInputSchema,
  readMessagesOptionsSchema,
  toolCallSchema,
  userAddressSchema,
  type ContentBlock,
  type ConversationAddress,
  type ConversationMemory,
  type ConversationMemoryOptions,
  type ConversationSummary,
  type MessageJsonValue,
  type ListConversationsOptions,
  type MessageInput,
  type MessageRole,
  type ReadMessagesOptions,
  type StoredMessage,
  type TokenCounter,
  type UserAddress,
} from './conversation-memory.js';
export {
  compareMessageIds,
  estimateMessageTokens,
  type PreparedMessage,
} from './conversation-memory-input.js';
export { BaseConversationMemory } from './base-conversation-memory.js';
export {
  InMemoryConversationMemory,
  type InMemoryConversationMemoryOptions,
} from './in-memory-conversation-memory.js';
