import { modelRetryMiddleware, type AgentMiddleware } from 'langchain';
import type {
  AuditLog,
  CircuitBreaker,
  ConversationMemory,
  RateLimiter,
  SemanticCache,
} from '@tristack/core';
import { isRetryableModelError } from '../model-errors.js';
import { auditMiddleware, type AuditMiddlewareOptions } from './audit-middleware.js';
import { circuitBreakerMiddleware } from './circuit-breaker-middleware.js';
import { fallbackMiddleware, type FallbackMiddlewareOptions } from './fallback-middleware.js';
import { memoryMiddleware, type MemoryMiddlewareOptions } from './memory-middleware.js';
import { rateLimitMiddleware, type RateLimitMiddlewareOptions } from './rate-limit-middleware.js';
import { responseCacheMiddleware, type ResponseCacheMiddlewareOptions } from './response-cache-middleware.js';
import { structuredOutputRepair, type StructuredOutputRepairOptions } from './structured-output-repair.js';

export interface ProductionMiddlewareOptions {
  auditLog?: AuditLog | Omit<AuditMiddlewareOptions, never>;
  memory?: ConversationMemory | MemoryMiddlewareOptions;
  cache?: SemanticCache | ResponseCacheMiddlewareOptions;
  structuredOutput?: StructuredOutputRepairOptions;
  /** `modelRetryMiddleware` options; `false` leaves retries to the model's own client. @default { maxRetries: 2 } */
  retry?: false | Parameters<typeof modelRetryMiddleware>[0];
  limiter?: RateLimiter | RateLimitMiddlewareOptions;
  breaker?: CircuitBreaker;
  /** Fallback models (after the agent's model); breaker-aware when `breaker` is given. */
  fallbacks?: FallbackMiddlewareOptions['models'];
}

function options<Options extends object, Primitive>(value: Primitive | Options, key: string): Options {
  return (typeof value === 'object' && value !== null && key in value ? value : { [key]: value }) as Options;
}

/**
 * The recommended stack, outermost first: audit → memory → response cache → structured-output
 * repair → retry → rate limit → fallback with breaker (or breaker alone). The cache sits outside
 * retry (a hit costs no attempt); the limiter and breaker sit inside it (each attempt is charged
 * and counted); an open breaker is never retried.
 */
export function productionMiddleware(config: ProductionMiddlewareOptions): AgentMiddleware[] {
  const stack: AgentMiddleware[] = [];
  if (config.auditLog)
    stack.push(auditMiddleware(options<AuditMiddlewareOptions, AuditLog>(config.auditLog, 'auditLog')));
  if (config.memory)
    stack.push(
      memoryMiddleware(options<MemoryMiddlewareOptions, ConversationMemory>(config.memory, 'memory')),
    );
  if (config.cache)
    stack.push(
      responseCacheMiddleware(options<ResponseCacheMiddlewareOptions, SemanticCache>(config.cache, 'cache')),
    );
  if (config.structuredOutput) stack.push(structuredOutputRepair(config.structuredOutput));
  if (config.retry !== false)
    stack.push(
      modelRetryMiddleware({
        maxRetries: 2,
        retryOn: isRetryableModelError,
        onFailure: 'error',
        ...config.retry,
      }),
    );
  if (config.limiter)
    stack.push(
      rateLimitMiddleware(options<RateLimitMiddlewareOptions, RateLimiter>(config.limiter, 'limiter')),
    );
  if (config.fallbacks?.length)
    stack.push(
      fallbackMiddleware({
        models: config.fallbacks,
        ...(config.breaker ? { breaker: config.breaker } : {}),
      }),
    );
  else if (config.breaker) stack.push(circuitBreakerMiddleware({ breaker: config.breaker }));
  return stack;
}
