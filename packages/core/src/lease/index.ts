export {
  MAX_LEASE_TTL_MS,
  acquireLeaseOptionsSchema,
  conversationLeaseOptionsSchema,
  fencingTokenSchema,
  leaseResourceSchema,
  leaseSchema,
  leaseTtlSchema,
  renewLeaseOptionsSchema,
  type AcquireLeaseOptions,
  type ConversationLease,
  type ConversationLeaseOptions,
  type KeepAliveOptions,
  type Lease,
  type LeaseKeepAlive,
  type RenewLeaseOptions,
  type RunWithLeaseOptions,
} from './lease.js';
export { LeaseBusyError, LeaseLostError } from './lease-errors.js';
export { BaseConversationLease, type LeaseAttempt } from './base-conversation-lease.js';
export {
  InMemoryConversationLease,
  type InMemoryConversationLeaseOptions,
} from './in-memory-conversation-lease.js';
