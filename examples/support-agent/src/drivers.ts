import {
  InMemoryAuditLog,
  InMemoryCircuitBreaker,
  InMemoryConversationLease,
  InMemoryConversationMemory,
  InMemoryJobQueue,
  InMemoryRateLimiter,
  InMemorySemanticCache,
  type AuditLog,
  type CircuitBreaker,
  type CircuitBreakerOptions,
  type ConversationLease,
  type ConversationMemory,
  type JobQueue,
  type RateLimiter,
  type RateLimiterOptions,
  type SemanticCache,
} from '@tristack/core';
import {
  RedisAuditLog,
  RedisCircuitBreaker,
  RedisConversationLease,
  RedisConversationMemory,
  RedisJobQueue,
  RedisRateLimiter,
  RedisSemanticCache,
  type RedisClientInput,
} from '@tristack/redis';
import {
  PostgresAuditLog,
  PostgresCircuitBreaker,
  PostgresConversationLease,
  PostgresConversationMemory,
  PostgresJobQueue,
  PostgresRateLimiter,
  PostgresSemanticCache,
  migrate,
} from '@tristack/postgres';
import type { Pool } from 'pg';
import { CACHE_SIMILARITY_THRESHOLD, cacheEmbedder } from './cache-embedder.js';

/** Every state primitive the agent uses, from one backend. */
export interface AgentDrivers {
  /** `in-memory` (one process, nothing to install), `redis` or `postgres` (shared by a fleet). */
  readonly kind: 'in-memory' | 'redis' | 'postgres';
  /** One line for the start banner. */
  readonly description: string;
  readonly memory: ConversationMemory;
  readonly lease: ConversationLease;
  readonly rateLimiter: RateLimiter;
  readonly breaker: CircuitBreaker;
  readonly cache: SemanticCache;
  readonly queue: JobQueue;
  readonly auditLog: AuditLog;
  close(): Promise<void>;
}

/** Model calls a minute per user (each attempt is charged): the demo's burst goes past it. */
export const MODEL_CALLS_PER_MINUTE = 12;

export const RATE_LIMITS: RateLimiterOptions = {
  name: 'support-agent',
  limits: [
    {
      name: 'model-calls',
      scope: 'user',
      algorithm: 'sliding-window',
      limit: MODEL_CALLS_PER_MINUTE,
      windowMs: 60_000,
    },
  ],
};

/** Two failures in a row open a provider's breaker for 30 s. */
export const BREAKER_POLICY: CircuitBreakerOptions = {
  failureRateThreshold: null,
  consecutiveFailures: 2,
  openMs: 30_000,
};

/** Both caches embed with the offline sentence model, at the threshold calibrated for it. */
const CACHE_OPTIONS = { embedder: cacheEmbedder(), similarityThreshold: CACHE_SIMILARITY_THRESHOLD };

export function inMemoryDrivers(): AgentDrivers {
  const breaker = new InMemoryCircuitBreaker(BREAKER_POLICY);
  const queue = new InMemoryJobQueue();
  return {
    kind: 'in-memory',
    description:
      'in-memory drivers (set REDIS_URL or DATABASE_URL to share state through Redis or PostgreSQL)',
    memory: new InMemoryConversationMemory(),
    lease: new InMemoryConversationLease(),
    rateLimiter: new InMemoryRateLimiter(RATE_LIMITS),
    breaker,
    cache: new InMemorySemanticCache(CACHE_OPTIONS),
    queue,
    auditLog: new InMemoryAuditLog(),
    async close() {
      await queue.close();
      await breaker.close();
    },
  };
}

/** The Redis drivers on one connected client (never closed here: the caller owns it). */
export async function redisDrivers(client: RedisClientInput, prefix?: string): Promise<AgentDrivers> {
  const shared = { client, ...(prefix ? { prefix } : {}) };
  const breaker = new RedisCircuitBreaker({ ...shared, ...BREAKER_POLICY });
  const queue = new RedisJobQueue(shared);
  const cache = await RedisSemanticCache.create({ ...shared, ...CACHE_OPTIONS });
  const tier = cache.semanticTier;
  return {
    kind: 'redis',
    description: `Redis drivers (semantic tier: ${tier.available ? tier.backend : `off — ${tier.reason ?? 'unavailable'}`})`,
    memory: new RedisConversationMemory(shared),
    lease: new RedisConversationLease(shared),
    rateLimiter: new RedisRateLimiter({ ...shared, ...RATE_LIMITS }),
    breaker,
    cache,
    queue,
    auditLog: new RedisAuditLog(shared),
    async close() {
      await queue.close();
      await breaker.close();
    },
  };
}

/**
 * The PostgreSQL drivers on the caller's pool (never ended here: the caller owns it). Runs
 * `migrate()` first: idempotent, so every start may run it (a deploy step would do it once).
 */
export async function postgresDrivers(pool: Pool, schema?: string): Promise<AgentDrivers> {
  const shared = { pool, ...(schema ? { schema } : {}) };
  await migrate(pool, schema ? { schema } : {});
  const breaker = new PostgresCircuitBreaker({ ...shared, ...BREAKER_POLICY });
  const queue = new PostgresJobQueue(shared);
  const cache = new PostgresSemanticCache({ ...shared, ...CACHE_OPTIONS });
  return {
    kind: 'postgres',
    // The cache's `semanticTier.reason` says why at length; the banner keeps one line.
    description: 'PostgreSQL drivers (semantic tier: off — exact tier only, no vectors in this driver)',
    memory: new PostgresConversationMemory(shared),
    lease: new PostgresConversationLease(shared),
    rateLimiter: new PostgresRateLimiter({ ...shared, ...RATE_LIMITS }),
    breaker,
    cache,
    queue,
    auditLog: new PostgresAuditLog(shared),
    async close() {
      await queue.close();
      await breaker.close();
    },
  };
}
