import type {
  RateLimiterOptions,
  SemanticCacheOptions,
  SharedCircuitBreakerOptions,
  StoreRateLimiterOptions,
} from '@tristack/core';
import { auditLogFuzzCase } from './fuzz-cases/audit-log.js';
import { broadcastFuzzCase } from './fuzz-cases/broadcast.js';
import { circuitBreakerFuzzCase } from './fuzz-cases/circuit-breaker.js';
import { conversationMemoryFuzzCase } from './fuzz-cases/conversation-memory.js';
import { jobQueueFuzzCase } from './fuzz-cases/job-queue.js';
import { leaseFuzzCase } from './fuzz-cases/lease.js';
import { rateLimiterFuzzCase } from './fuzz-cases/rate-limiter.js';
import { semanticCacheFuzzCase } from './fuzz-cases/semantic-cache.js';
import { tokenStreamFuzzCase } from './fuzz-cases/token-stream.js';
import type { FuzzDriverFactory, NamedFuzzCase, RedisFuzzClient } from './fuzz-target.js';
import type { StateDrivers } from './state-drivers.js';

/** How a driver package builds each state primitive for the identity fuzz (see {@link stateFuzzCases}). */
export interface StateFuzzDrivers<Client = RedisFuzzClient> {
  /** Builds a conversation memory. */
  readonly conversationMemory: FuzzDriverFactory<StateDrivers['memory'], Client>;
  /** Builds a conversation lease. */
  readonly lease: FuzzDriverFactory<StateDrivers['lease'], Client>;
  /** Builds a rate limiter with the limits and timeout the fuzz needs. */
  readonly rateLimiter: FuzzDriverFactory<
    StateDrivers['limiter'],
    Client,
    RateLimiterOptions & StoreRateLimiterOptions
  >;
  /** Builds a circuit breaker with the breaker options the fuzz needs. */
  readonly circuitBreaker: FuzzDriverFactory<StateDrivers['breaker'], Client, SharedCircuitBreakerOptions>;
  /** Builds a job queue. */
  readonly jobQueue: FuzzDriverFactory<StateDrivers['queue'], Client>;
  /** Builds a token stream. */
  readonly tokenStream: FuzzDriverFactory<StateDrivers['stream'], Client>;
  /** Builds a broadcast. */
  readonly broadcast: FuzzDriverFactory<StateDrivers['broadcast'], Client>;
  /** Builds an audit log. */
  readonly auditLog: FuzzDriverFactory<StateDrivers['audit'], Client>;
  /** Builds a semantic cache with `failOpen: false`; only its exact tier is fuzzed. */
  readonly semanticCache: FuzzDriverFactory<StateDrivers['cache'], Client, SemanticCacheOptions>;
}

/** What differs between drivers beyond how they are built. */
export interface StateFuzzOptions {
  /**
   * Whether a semantic cache tag value is accepted: by default, up to 1024 characters, well-formed.
   * A store that cannot hold some text narrows it (and must refuse the rest typed).
   */
  readonly tagValueAcceptable?: (id: string) => boolean;
}

/**
 * Every id-taking API of the state primitives as identity fuzz cases, for
 * `runIdentityFuzz`: the driver-agnostic checks, run on the drivers `drivers` builds.
 */
export function stateFuzzCases<Client>(
  drivers: StateFuzzDrivers<Client>,
  options: StateFuzzOptions = {},
): NamedFuzzCase<Client>[] {
  return [
    ['conversation memory', conversationMemoryFuzzCase(drivers.conversationMemory)],
    ['lease', leaseFuzzCase(drivers.lease)],
    ['rate limiter', rateLimiterFuzzCase(drivers.rateLimiter)],
    ['circuit breaker', circuitBreakerFuzzCase(drivers.circuitBreaker)],
    ['job queue', jobQueueFuzzCase(drivers.jobQueue)],
    ['token stream', tokenStreamFuzzCase(drivers.tokenStream)],
    ['broadcast', broadcastFuzzCase(drivers.broadcast)],
    ['audit log', auditLogFuzzCase(drivers.auditLog)],
    ['semantic cache (exact tier)', semanticCacheFuzzCase(drivers.semanticCache, options.tagValueAcceptable)],
  ];
}
