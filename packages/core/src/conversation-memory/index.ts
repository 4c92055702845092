// Conversation memory's user API (also exported from the package root). Material for driver authors
// (base class, schemas, id order) is exported from ../driver-kit/index.ts instead.
export type {
  ContentBlock,
  ConversationAddress,
  ConversationMemory,
  ConversationMemoryOptions,
  ConversationSummary,
  MessageJsonValue,
  ListConversationsOptions,
  MessageInput,
  MessageRole,
  ReadMessagesOptions,
  StoredMessage,
  TokenCounter,
  UserAddress,
} from './conversation-memory.js';
export {
  InMemoryConversationMemory,
  type InMemoryConversationMemoryOptions,
} from './in-memory-conversation-memory.js';
