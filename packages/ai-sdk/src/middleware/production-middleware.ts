import type { LanguageModelV3, LanguageModelV3Middleware } from '@ai-sdk/provider';
import { z } from 'zod';
import { InvalidOptionsError } from '@tristack/core';
import type {
  AuditLog,
  CircuitBreaker,
  ConversationMemory,
  RateLimiter,
  SemanticCache,
} from '@tristack/core';
import { MissingRunIdentityError, resolveIdentity, type IdentitySource } from '../run-identity.js';
import { auditMiddleware, type AuditMiddlewareOptions } from './audit-middleware.js';
import { circuitBreakerMiddleware } from './circuit-breaker-middleware.js';
import { fallbackMiddleware } from './fallback-middleware.js';
import { memoryMiddleware, type MemoryMiddlewareOptions } from './memory-middleware.js';
import {
  identitySourceOption,
  instanceOption,
  objectOption,
  parseMiddlewareOptions,
} from './middleware-option-schemas.js';
import { rateLimitMiddleware, type RateLimitMiddlewareOptions } from './rate-limit-middleware.js';
import { responseCacheMiddleware, type ResponseCacheMiddlewareOptions } from './response-cache-middleware.js';
import { telemetryMiddleware } from './telemetry-middleware.js';

/** A part given as its driver instance or as its middleware's options (checked by that middleware). */
const partOption = <Instance, Options>(name: string, methods: readonly string[]) =>
  z.union([instanceOption<Instance>(name, methods), objectOption<Options>(name)]).optional();

type PartOptions<Options> = Omit<Options, 'identity'>;

export const productionMiddlewareOptionsSchema = z.strictObject({
  /**
   * Who each call belongs to, for every part: a fixed `{ userId, tenantId, conversationId, runId }`
   * (a model wrapped per request), a function, or — left out — what `withRunIdentity` set.
   */
  identity: identitySourceOption,
  auditLog: partOption<AuditLog, PartOptions<AuditMiddlewareOptions>>('auditLog', ['record']),
  /** Conversation memory, for apps that send only the new messages (see `memoryMiddleware`). */
  memory: partOption<ConversationMemory, PartOptions<MemoryMiddlewareOptions>>('memory', ['read', 'append']),
  cache: partOption<SemanticCache, PartOptions<ResponseCacheMiddlewareOptions>>('cache', ['lookup', 'store']),
  limiter: partOption<RateLimiter, PartOptions<RateLimitMiddlewareOptions>>('limiter', [
    'limit',
    'reconcile',
  ]),
  breaker: instanceOption<CircuitBreaker>('breaker', ['execute']).optional(),
  /** Fallback models (after the wrapped one); breaker-aware when `breaker` is given. */
  fallbacks: z
    .custom<readonly LanguageModelV3[]>((value) => Array.isArray(value), {
      message: 'fallbacks must be an array of language models',
    })
    .optional(),
  /**
   * A call whose identity names no `userId` (with audit, memory, cache or limiter given): `true` throws
   * `MissingRunIdentityError` before anything runs; `false` runs it (no per-user cache, audit
   * events without a user) — but a `user`-scope limiter still refuses it.
   * @default true
   */
  requireIdentity: z.boolean().default(true),
  /**
   * OpenTelemetry spans and metrics (`telemetryMiddleware`, outermost after the identity guard);
   * a no-op until the app registers an OpenTelemetry SDK. `false` leaves it out.
   * @default true
   */
  telemetry: z.boolean().default(true),
});
export type ProductionMiddlewareOptions = z.input<typeof productionMiddlewareOptionsSchema>;

/**
 * Options of a part that no driver has as its own property: a driver carrying one is ambiguous
 * (an audit log with an `onError` of its own). Drivers keep settings like `maxMessages` or
 * `provider` themselves, so only these are checked.
 */
const PART_OPTION_KEYS: Record<string, readonly string[]> = {
  auditLog: ['onError', 'recordArguments'],
};

function options<Options extends object, Primitive>(
  value: Primitive | Options,
  key: string,
  identity: IdentitySource | undefined,
): Options {
  const isOptions = typeof value === 'object' && value !== null && key in value;
  if (!isOptions) {
    // `{ record, onError }` would be taken for the log and its `onError` silently ignored.
    const stray = (PART_OPTION_KEYS[key] ?? []).filter(
      (option) => option !== key && Object.prototype.hasOwnProperty.call(value, option),
    );
    if (stray.length)
      throw new InvalidOptionsError(
        `productionMiddleware: ${key} has ${stray.join(', ')} beside the driver; pass { ${key}: <driver>, ${stray.join(', ')} }`,
        { driver: 'ai-sdk', details: { option: key, stray } },
      );
  }
  const given = (isOptions ? value : { [key]: value }) as Options;
  return (identity === undefined ? given : { ...given, identity }) as Options;
}

/** Refuses a call naming no user before any part runs. */
function identityGuard(identity: IdentitySource | undefined): LanguageModelV3Middleware {
  const check = () => {
    if (resolveIdentity(identity).userId === undefined)
      throw new MissingRunIdentityError('productionMiddleware', 'userId');
  };
  return {
    specificationVersion: 'v3',
    wrapGenerate: async ({ doGenerate }) => {
      check();
      return doGenerate();
    },
    wrapStream: async ({ doStream }) => {
      check();
      return doStream();
    },
  };
}

/**
 * The recommended stack for `wrapLanguageModel({ model, middleware })`, outermost first — the
 * LangChain adapter's order: identity guard (see `requireIdentity`; a refused call opens no span) →
 * telemetry (see `telemetry`) → audit → memory → response cache →
 * rate limit → fallback with breaker (or breaker alone). Retries are the AI SDK's own
 * (`maxRetries`, around the whole wrapped model): each attempt is charged and counted, and an
 * open breaker or a denial is marked non-retryable.
 */
export function productionMiddleware(input: ProductionMiddlewareOptions): LanguageModelV3Middleware[] {
  const config = parseMiddlewareOptions(productionMiddlewareOptionsSchema, input, 'productionMiddleware');
  const { identity } = config;
  const stack: LanguageModelV3Middleware[] = [];
  if (config.requireIdentity && (config.auditLog || config.memory || config.cache || config.limiter))
    stack.push(identityGuard(identity));
  if (config.telemetry) stack.push(telemetryMiddleware());
  if (config.auditLog)
    stack.push(
      auditMiddleware(options<AuditMiddlewareOptions, AuditLog>(config.auditLog, 'auditLog', identity)),
    );
  if (config.memory)
    stack.push(
      memoryMiddleware(
        options<MemoryMiddlewareOptions, ConversationMemory>(config.memory, 'memory', identity),
      ),
    );
  if (config.cache)
    stack.push(
      responseCacheMiddleware(
        options<ResponseCacheMiddlewareOptions, SemanticCache>(config.cache, 'cache', identity),
      ),
    );
  if (config.limiter)
    stack.push(
      rateLimitMiddleware(
        options<RateLimitMiddlewareOptions, RateLimiter>(config.limiter, 'limiter', identity),
      ),
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
