export { RedisConversationLease, type RedisConversationLeaseOptions } from './redis-conversation-lease.js';
