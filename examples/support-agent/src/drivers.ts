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
  type CircuitBreakerPolicyInput,
  type ConversationLease,
  type ConversationMemory,
  type JobQueue,
  type RateLimiter,
  type RateLimiterOptionsInput,
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

/** Every state primitive the agent uses, from one backend. */
export interface AgentDrivers {
  /** `in-memory` (one process, nothing to install) or `redis` (shared by a fleet). */
  readonly kind: 'in-memory' | 'redis';
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

export const RATE_LIMITS: RateLimiterOptionsInput = {
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
export const BREAKER_POLICY: CircuitBreakerPolicyInput = {
  failureRateThreshold: null,
  consecutiveFailures: 2,
  openMs: 30_000,
};

/** The default: the demo's paraphrase scores 0.935 with the offline n-gram embedder. */
const SIMILARITY_THRESHOLD = 0.9;

export function inMemoryDrivers(): AgentDrivers {
  const breaker = new InMemoryCircuitBreaker(BREAKER_POLICY);
  const queue = new InMemoryJobQueue();
  return {
    kind: 'in-memory',
    description: 'in-memory drivers (set REDIS_URL to share state through Redis)',
    memory: new InMemoryConversationMemory(),
    lease: new InMemoryConversationLease(),
    rateLimiter: new InMemoryRateLimiter(RATE_LIMITS),
    breaker,
    cache: new InMemorySemanticCache({ similarityThreshold: SIMILARITY_THRESHOLD }),
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
  const cache = await RedisSemanticCache.create({ ...shared, similarityThreshold: SIMILARITY_THRESHOLD });
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
