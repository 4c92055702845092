/**
 * The same test bodies run over the in-memory drivers and the Redis drivers: a small factory
 * table. Test-only (imports @tristack/redis, a dev dependency); never exported.
 */
import {
  InMemoryAuditLog,
  InMemoryCircuitBreaker,
  InMemoryConversationLease,
  InMemoryConversationMemory,
  InMemoryRateLimiter,
  InMemorySemanticCache,
  InMemoryTokenStream,
  type AuditLog,
  type CircuitBreaker,
  type CircuitBreakerOptions,
  type ConversationLease,
  type ConversationMemory,
  type RateLimiter,
  type RateLimiterOptions,
  type SemanticCache,
  type SemanticCacheOptions,
  type TokenStream,
} from '@tristack/core';
import {
  RedisAuditLog,
  RedisCircuitBreaker,
  RedisConversationLease,
  RedisConversationMemory,
  RedisRateLimiter,
  RedisSemanticCache,
  RedisTokenStream,
} from '@tristack/redis';
import { useRedis } from '@tristack/testing/redis';

export interface Drivers {
  limiter(options: RateLimiterOptions): RateLimiter;
  breaker(policy?: CircuitBreakerOptions): CircuitBreaker;
  cache(options?: SemanticCacheOptions): Promise<SemanticCache>;
  memory(): ConversationMemory;
  auditLog(): AuditLog;
  lease(): ConversationLease;
  tokenStream(): TokenStream;
}

export type DriverKind = 'memory' | 'redis';

/** Registers the Redis hooks (in a describe block) and returns the factory of each kind. */
export function driverTable(): Record<DriverKind, () => Drivers> {
  const redis = useRedis();
  const memoryDrivers = (): Drivers => {
    // One shared store per test, as processes share one Redis.
    const memory = new InMemoryConversationMemory();
    const auditLog = new InMemoryAuditLog();
    return {
      limiter: (options) => new InMemoryRateLimiter(options),
      breaker: (policy) => new InMemoryCircuitBreaker(policy ?? {}),
      cache: async (options) => new InMemorySemanticCache(options ?? {}),
      memory: () => memory,
      auditLog: () => auditLog,
      lease: () => new InMemoryConversationLease(),
      tokenStream: () => new InMemoryTokenStream(),
    };
  };
  const redisDrivers = (): Drivers => {
    const base = { client: redis.client, prefix: redis.prefix };
    return {
      limiter: (options) => new RedisRateLimiter({ ...base, ...options }),
      breaker: (policy) => new RedisCircuitBreaker({ ...base, ...policy }),
      cache: (options) => RedisSemanticCache.create({ ...base, ...options }),
      memory: () => new RedisConversationMemory(base),
      auditLog: () => new RedisAuditLog(base),
      lease: () => new RedisConversationLease(base),
      tokenStream: () => new RedisTokenStream(base),
    };
  };
  return { memory: memoryDrivers, redis: redisDrivers };
}

/** Connection details a child process needs to reach the test's Redis. */
export function redisWorkerEnvironment(redis: {
  url: string;
  database: number;
  prefix: string;
}): Record<string, string> {
  return {
    FLEET_REDIS_URL: redis.url,
    FLEET_REDIS_DATABASE: String(redis.database),
    FLEET_PREFIX: redis.prefix,
  };
}
