export {
  PostgresConversationLease,
  type PostgresConversationLeaseOptions,
} from './postgres-conversation-lease.js';
export { PostgresConversationLeaseInspector } from './postgres-conversation-lease-inspector.js';
