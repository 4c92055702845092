import { AIMessage } from '@langchain/core/messages';
import { createMiddleware } from 'langchain';
import { z } from 'zod';
import type { SemanticCache, SemanticCacheLookupOptions } from '@tristack/core';
import { tracedCacheLookup } from '@tristack/core/driver-kit';
import { fromCacheHit, toCachedResponse, toSemanticCacheRequest } from '../cache-request.js';
import { cacheOwner } from '../cache-scope.js';
import { modelName } from '../model-identity.js';
import { runIdentityContextSchema, type RunIdentity } from '../run-context.js';
import type { RunWrites } from './run-writes.js';
import { langchainTelemetry } from '../telemetry.js';
import {
  functionOption,
  identityOption,
  instanceOption,
  objectOption,
  parseMiddlewareOptions,
} from './middleware-option-schemas.js';

export const responseCacheMiddlewareOptionsSchema = z.strictObject({
  cache: instanceOption<SemanticCache>('cache', ['lookup', 'store']),
  /** @default defaultRunIdentity (tenant and user from the run's `context`) */
  identity: identityOption,
  /** Extra scope (locale, plan…), part of the key and usable to invalidate. */
  tags: functionOption<(identity: RunIdentity) => Record<string, string> | undefined>('tags').optional(),
  /** Lookup options (threshold, exact only): the cache checks them on each lookup. */
  lookup: objectOption<SemanticCacheLookupOptions>('lookup').optional(),
  /**
   * Whose cache a call uses: answers never cross tenants.
   * @default the run's tenant id, else `'default'`
   */
  tenant: functionOption<(identity: RunIdentity) => string>('tenant').optional(),
  /**
   * Share answers between the users of a tenant (FAQ-style caches whose answers hold nothing
   * personal). Off by default: each user has their own scope, and a call whose run names no user
   * is not cached at all. Answers computed from tool results are never shared, even with this on.
   * @default false
   */
  shareAcrossUsers: z.boolean().default(false),
});
export type ResponseCacheMiddlewareOptions = z.input<typeof responseCacheMiddlewareOptionsSchema>;

/**
 * The semantic cache around each model call, keyed on the full request: messages with their
 * content blocks, system prompt, tools, tool choice, model settings and response format, within
 * the tenant and the user. A hit returns the cached answer without calling the model (usage
 * zeroed, `response_metadata.tristack.cached` set). Put it outside retry, fallback, limiter and
 * breaker.
 *
 * Isolation: answers never cross users unless `shareAcrossUsers` is set, and a call whose run
 * names no user (`context.userId`) is not cached unless it is. A call that carries tool results
 * is cached only in its user's scope, with the tool results in scope — and not at all when the
 * cache was created with `includeHistoryInScope: false` (the core cache refuses it).
 */
export function responseCacheMiddleware(input: ResponseCacheMiddlewareOptions) {
  return createResponseCacheMiddleware(input);
}

/**
 * `responseCacheMiddleware`; with `writes`, a store is deferred to the run's writes, which the
 * audit middleware (outside this one) awaits together with the call's audit record, before the
 * call returns.
 * @internal
 */
export function createResponseCacheMiddleware(input: ResponseCacheMiddlewareOptions, writes?: RunWrites) {
  const options = parseMiddlewareOptions(
    responseCacheMiddlewareOptionsSchema,
    input,
    'responseCacheMiddleware',
  );
  const identityOf = options.identity;
  return createMiddleware({
    name: 'TristackResponseCache',
    contextSchema: runIdentityContextSchema,
    wrapModelCall: async (request, handler) => {
      const identity = identityOf(request.runtime);
      const owner = cacheOwner(identity, request.messages, options);
      if (!owner) return handler(request);
      const cacheRequest = toSemanticCacheRequest({
        ...owner,
        model: modelName(request.model),
        messages: request.messages,
        system: request.systemPrompt,
        tools: request.tools,
        toolChoice: request.toolChoice,
        settings: request.modelSettings,
        responseFormat: request.responseFormat,
        tags: options.tags?.(identity),
      });
      const found = await tracedCacheLookup(langchainTelemetry, () =>
        options.cache.lookup(cacheRequest, options.lookup),
      );
      // A hit never reaches the limiter (inside this middleware): it costs no budget.
      if (found.hit) return fromCacheHit(found);
      const response = await handler(request);
      // Structured-output results and rate-limit notices are not model answers worth replaying.
      if (
        AIMessage.isInstance(response) &&
        !(response.response_metadata as { tristack?: { rateLimited?: unknown } })?.tristack?.rateLimited
      ) {
        const stored = options.cache.store(cacheRequest, toCachedResponse(response));
        if (!writes?.defer(stored)) await stored;
      }
      return response;
    },
  });
}
