/**
 * The same test bodies over the in-memory drivers and the Redis drivers. Test-only (imports
 * @tristack/redis, a dev dependency); never exported.
 */
import type {
  LanguageModelV3GenerateResult,
  LanguageModelV3StreamPart,
  LanguageModelV3StreamResult,
  LanguageModelV3Usage,
} from '@ai-sdk/provider';
import {
  InMemoryAuditLog,
  InMemoryCircuitBreaker,
  InMemoryConversationMemory,
  InMemoryRateLimiter,
  InMemorySemanticCache,
  type AuditLog,
  type CircuitBreaker,
  type CircuitBreakerOptions,
  type ConversationMemory,
  type RateLimiter,
  type RateLimiterOptions,
  type SemanticCache,
  type SemanticCacheOptions,
} from '@tristack/core';
import {
  RedisAuditLog,
  RedisCircuitBreaker,
  RedisConversationMemory,
  RedisRateLimiter,
  RedisSemanticCache,
} from '@tristack/redis';
import { useRedis } from '@tristack/testing/redis';

export interface Drivers {
  limiter(options: RateLimiterOptions): RateLimiter;
  breaker(policy?: CircuitBreakerOptions): CircuitBreaker;
  cache(options?: SemanticCacheOptions): Promise<SemanticCache>;
  auditLog(): AuditLog;
  memory(): ConversationMemory;
}

export type DriverKind = 'memory' | 'redis';

/** Registers the Redis hooks (in a describe block) and returns the factory of each kind. */
export function driverTable(): Record<DriverKind, () => Drivers> {
  const redis = useRedis();
  return {
    memory: () => {
      const auditLog = new InMemoryAuditLog();
      const memory = new InMemoryConversationMemory();
      return {
        memory: () => memory,
        limiter: (options) => new InMemoryRateLimiter(options),
        breaker: (policy) => new InMemoryCircuitBreaker(policy ?? {}),
        cache: async (options) => new InMemorySemanticCache(options ?? {}),
        auditLog: () => auditLog,
      };
    },
    redis: () => {
      const base = { client: redis.client, prefix: redis.prefix };
      return {
        limiter: (options) => new RedisRateLimiter({ ...base, ...options }),
        breaker: (policy) => new RedisCircuitBreaker({ ...base, ...policy }),
        cache: (options) => RedisSemanticCache.create({ ...base, ...options }),
        auditLog: () => new RedisAuditLog(base),
        memory: () => new RedisConversationMemory(base),
      };
    },
  };
}

export const usage = (input: number, output: number): LanguageModelV3Usage => ({
  inputTokens: { total: input, noCache: input, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: output, text: output, reasoning: 0 },
});

/** A model answer as a provider returns it. */
export const answer = (text: string, tokens = usage(10, 5)): LanguageModelV3GenerateResult => ({
  content: [{ type: 'text', text }],
  finishReason: { unified: 'stop', raw: 'stop' },
  usage: tokens,
  warnings: [],
});

/** A streamed answer, one text delta per word. */
export const streamed = (text: string, tokens = usage(10, 5)): LanguageModelV3StreamResult => {
  const parts: LanguageModelV3StreamPart[] = [
    { type: 'stream-start', warnings: [] },
    { type: 'text-start', id: 't' },
    ...text
      .split(/(?<= )/)
      .map((delta): LanguageModelV3StreamPart => ({ type: 'text-delta', id: 't', delta })),
    { type: 'text-end', id: 't' },
    { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage: tokens },
  ];
  return {
    stream: new ReadableStream({
      start(controller) {
        for (const part of parts) controller.enqueue(part);
        controller.close();
      },
    }),
  };
};

/** A provider error with an HTTP status, as the AI SDK's `APICallError` carries it. */
export const status = (code: number) =>
  Object.assign(new Error(`provider answered ${code}`), {
    statusCode: code,
    isRetryable: code === 429 || code >= 500,
  });
