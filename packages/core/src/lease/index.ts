// The conversation lease's user API (also exported from the package root). Material for driver
// authors (base class, bounds) is exported from ../driver-kit/index.ts instead.
export type {
  AcquireLeaseOptions,
  ConversationLease,
  ConversationLeaseOptions,
  KeepAliveOptions,
  Lease,
  LeaseKeepAlive,
  RenewLeaseOptions,
  RunWithLeaseOptions,
} from './lease.js';
export { LeaseBusyError, LeaseLostError } from './lease-errors.js';
export {
  InMemoryConversationLease,
  type InMemoryConversationLeaseOptions,
} from './in-memory-conversation-lease.js';
export type { ConversationLeaseInspector, LeaseHolder } from './conversation-lease-inspector.js';
