export { RedisConversationMemory, type RedisConversationMemoryOptions } from './redis-conversation-memory.js';
