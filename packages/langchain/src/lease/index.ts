export {
  withConversationLease,
  type ConversationLeasePolicy,
  type WithConversationLeaseOptions,
  type LeasableGraph,
  type LeasedGraph,
  type LeasedRunConfig,
} from './with-conversation-lease.js';
