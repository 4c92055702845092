export {
  withConversationLease,
  type ConversationLeasePolicy,
  type WithConversationLeaseOptions,
  type LeasableGraph,
  type LeasedGraph,
} from './with-conversation-lease.js';
