export {
  PostgresConversationMemory,
  type PostgresConversationMemoryOptions,
} from './postgres-conversation-memory.js';
