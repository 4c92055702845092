export { RedisConversationLease, type RedisConversationLeaseOptions } from './redis-conversation-lease.js';
export { RedisConversationLeaseInspector } from './redis-conversation-lease-inspector.js';
