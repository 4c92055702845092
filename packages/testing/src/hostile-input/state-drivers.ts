import type {
  AuditLog,
  Broadcast,
  CircuitBreaker,
  ConversationLease,
  ConversationMemory,
  JobQueue,
  RateLimiter,
  SemanticCache,
  TokenStream,
} from '@tristack/core';

/** One driver of every primitive of the state layer, plus a dump of everything they store. */
export interface StateDrivers {
  /** Which driver family this is (`memory`, `redis`, `postgres`…), for messages. */
  readonly kind: string;
  /** The conversation memory. */
  readonly memory: ConversationMemory;
  /** The conversation lease. */
  readonly lease: ConversationLease;
  /** The rate limiter. */
  readonly limiter: RateLimiter;
  /** The circuit breaker. */
  readonly breaker: CircuitBreaker;
  /** The job queue. */
  readonly queue: JobQueue;
  /** The token stream. */
  readonly stream: TokenStream;
  /** The broadcast channel. */
  readonly broadcast: Broadcast;
  /** The audit log. */
  readonly audit: AuditLog;
  /** The semantic cache. */
  readonly cache: SemanticCache;
  /** Everything the drivers store (keys, rows or in-memory stores), comparable with `isDeepStrictEqual`. */
  snapshot(): Promise<unknown>;
  /** Closes every driver. */
  close(): Promise<void>;
}
