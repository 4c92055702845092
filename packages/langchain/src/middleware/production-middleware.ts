import { modelRetryMiddleware, type AgentMiddleware } from 'langchain';
import { z } from 'zod';
import type {
  AuditLog,
  CircuitBreaker,
  ConversationMemory,
  RateLimiter,
  SemanticCache,
} from '@tristack/core';
import { isRetryableModelError } from '../model-errors.js';
import type { ResolveRunIdentity } from '../run-context.js';
import { createAuditMiddleware, type AuditMiddlewareOptions } from './audit-middleware.js';
import { circuitBreakerMiddleware } from './circuit-breaker-middleware.js';
import { fallbackMiddleware, type FallbackMiddlewareOptions } from './fallback-middleware.js';
import { identityGuardMiddleware } from './identity-guard-middleware.js';
import { createMemoryMiddleware, type MemoryMiddlewareOptions } from './memory-middleware.js';
import { instanceOption, objectOption, parseMiddlewareOptions } from './middleware-option-schemas.js';
import { rateLimitMiddleware, type RateLimitMiddlewareOptions } from './rate-limit-middleware.js';
import {
  createResponseCacheMiddleware,
  type ResponseCacheMiddlewareOptions,
} from './response-cache-middleware.js';
import { structuredOutputRepair, type StructuredOutputRepairOptions } from './structured-output-repair.js';
import { telemetryMiddleware, type TelemetryMiddlewareOptions } from './telemetry-middleware.js';
import { RunWrites } from './run-writes.js';
import { withOneLifecycleNode } from './run-lifecycle-node.js';

/** A part given as its driver instance or as its middleware's options (checked by that middleware). */
const partOption = <Instance, Options>(name: string, methods: readonly string[]) =>
  z.union([instanceOption<Instance>(name, methods), objectOption<Options>(name)]).optional();

type RetryOptions = NonNullable<Parameters<typeof modelRetryMiddleware>[0]>;

export const productionMiddlewareOptionsSchema = z.strictObject({
  auditLog: partOption<AuditLog, AuditMiddlewareOptions>('auditLog', ['record']),
  memory: partOption<ConversationMemory, MemoryMiddlewareOptions>('memory', ['read', 'append']),
  cache: partOption<SemanticCache, ResponseCacheMiddlewareOptions>('cache', ['lookup', 'store']),
  structuredOutput: objectOption<StructuredOutputRepairOptions>('structuredOutput').optional(),
  /** `modelRetryMiddleware` options; `false` leaves retries to the model's own client. @default { maxRetries: 2 } */
  retry: z.union([z.literal(false), objectOption<RetryOptions>('retry')]).optional(),
  limiter: partOption<RateLimiter, RateLimitMiddlewareOptions>('limiter', ['limit', 'reconcile']),
  breaker: instanceOption<CircuitBreaker>('breaker', ['execute']).optional(),
  /** Fallback models (after the agent's model); breaker-aware when `breaker` is given. */
  fallbacks: z
    .custom<FallbackMiddlewareOptions['models']>((value) => Array.isArray(value), {
      message: 'fallbacks must be an array of models',
    })
    .optional(),
  /**
   * A run whose trusted context has no `userId` (with memory, audit, cache or limiter given):
   * `true` throws `MissingRunIdentityError` before anything runs; `false` runs it anyway (no
   * memory, audit events without a user) and warns once — but a `user`-scope limiter still
   * refuses it (`MissingRunIdentityError` from `rateLimitMiddleware`; never a shared bucket).
   * @default true
   */
  requireIdentity: z.boolean().default(true),
  /**
   * OpenTelemetry spans and metrics (`telemetryMiddleware`, outermost); a no-op until the app
   * registers an OpenTelemetry SDK. `false` leaves it out.
   * @default true
   */
  telemetry: z.union([z.boolean(), objectOption<TelemetryMiddlewareOptions>('telemetry')]).default(true),
});
export type ProductionMiddlewareOptions = z.input<typeof productionMiddlewareOptionsSchema>;

function options<Options extends object, Primitive>(value: Primitive | Options, key: string): Options {
  return (typeof value === 'object' && value !== null && key in value ? value : { [key]: value }) as Options;
}

/** The identity resolver one of the parts was given, so the guard reads the run as they do. */
function customIdentity(
  config: z.output<typeof productionMiddlewareOptionsSchema>,
): ResolveRunIdentity | undefined {
  for (const part of [config.auditLog, config.memory, config.cache, config.limiter]) {
    if (typeof part === 'object' && part !== null && 'identity' in part && part.identity)
      return part.identity as ResolveRunIdentity;
  }
  return undefined;
}

/**
 * The recommended stack, outermost first: identity guard (see `requireIdentity`; before telemetry, so a refused run opens no span) → telemetry → audit → memory → response cache → structured-output
 * repair → retry → rate limit → fallback with breaker (or breaker alone). The cache sits outside
 * retry (a hit costs no attempt); the limiter and breaker sit inside it (each attempt is charged
 * and counted); an open breaker is never retried. The limiter charges a cache miss only. State
 * kept between a run's hooks is per run (LangGraph `control` and conversation): pass one
 * `RunControl` per run.
 */
export function productionMiddleware(input: ProductionMiddlewareOptions): AgentMiddleware[] {
  const config = parseMiddlewareOptions(productionMiddlewareOptionsSchema, input, 'productionMiddleware');
  const stack: AgentMiddleware[] = [];
  // The limiter charges only a cache miss (it sits inside the cache): never before the lookup.
  // With audit, the cache store of a model call is awaited with the call's audit record (one
  // round trip), before the call returns; with memory and an audit `onError` other than 'throw',
  // the record of the answer that ends the turn goes out with memory's append (see RunWrites).
  const writes = config.auditLog && (config.memory || config.cache) ? new RunWrites() : undefined;
  // The guard refuses a run before telemetry's beforeAgent opens its agent span (no hook would
  // see the refusal and end it); it has no wrap hooks, so telemetry stays outermost.
  if (config.auditLog || config.memory || config.cache || config.limiter) {
    const identity = customIdentity(config);
    stack.push(
      identityGuardMiddleware({
        required: config.requireIdentity,
        ...(identity ? { identity } : {}),
      }),
    );
  }
  if (config.telemetry !== false)
    stack.push(telemetryMiddleware(config.telemetry === true ? {} : config.telemetry));
  if (config.auditLog)
    stack.push(
      createAuditMiddleware(
        options<AuditMiddlewareOptions, AuditLog>(config.auditLog, 'auditLog'),
        writes,
        Boolean(config.memory),
      ),
    );
  if (config.memory)
    stack.push(
      createMemoryMiddleware(
        options<MemoryMiddlewareOptions, ConversationMemory>(config.memory, 'memory'),
        writes,
      ),
    );
  if (config.cache)
    stack.push(
      createResponseCacheMiddleware(
        options<ResponseCacheMiddlewareOptions, SemanticCache>(config.cache, 'cache'),
        writes,
      ),
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
  // One graph node for the run's start hooks (guard, telemetry, memory) and one for its end hooks.
  return withOneLifecycleNode(stack);
}
