export { describeCircuitBreaker, type CircuitBreakerConformanceContext } from './circuit-breaker.js';
export { describeRateLimiter, type RateLimiterConformanceContext } from './rate-limiter.js';
export {
  describeConversationMemory,
  type ConversationMemoryConformanceContext,
} from './conversation-memory.js';
export { describeConversationLease, type ConversationLeaseConformanceContext } from './lease.js';
export {
  describeAuditLog,
  type AuditLogConformanceContext,
  FAKE_SECRETS,
  eventWithSecrets,
} from './audit-log.js';
export {
  describeTokenStream,
  readTokenStreamToEnd,
  type TokenStreamConformanceContext,
} from './token-stream.js';
export * from './semantic-cache.js';
export { describeJobQueue, type JobQueueConformanceContext } from './job-queue.js';
export { describeBroadcast, untilPasses, type BroadcastConformanceContext } from './broadcast.js';
