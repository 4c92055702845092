import { AIMessage } from '@langchain/core/messages';
import { createMiddleware } from 'langchain';
import type { SemanticCache, SemanticCacheLookupOptions } from '@tristack/core';
import { fromCacheHit, toCachedResponse, toSemanticCacheRequest } from '../cache-request.js';
import { modelName } from '../model-identity.js';
import {
  defaultRunIdentity,
  runIdentityContextSchema,
  type ResolveRunIdentity,
  type RunIdentity,
} from '../run-context.js';

export interface ResponseCacheMiddlewareOptions {
  cache: SemanticCache;
  /** @default defaultRunIdentity */
  identity?: ResolveRunIdentity;
  /**
   * Whose cache a call uses: answers never cross tenants.
   * @default the run's tenant id, else `'default'`
   */
  tenant?: (identity: RunIdentity) => string;
  /** Extra scope (locale, plan…), part of the key and usable to invalidate. */
  tags?: (identity: RunIdentity) => Record<string, string> | undefined;
  /** Lookup options (threshold, exact only). */
  lookup?: SemanticCacheLookupOptions;
}

/**
 * The semantic cache around each model call, keyed on the full request: messages with their
 * content blocks, system prompt, tools, tool choice, model settings and response format, within
 * the tenant. A hit returns the cached answer without calling the model (usage zeroed,
 * `response_metadata.tristack.cached` set). Put it outside retry, fallback, limiter and breaker.
 */
export function responseCacheMiddleware(options: ResponseCacheMiddlewareOptions) {
  const identityOf = options.identity ?? defaultRunIdentity;
  const tenantOf = options.tenant ?? ((identity: RunIdentity) => identity.tenantId ?? 'default');
  return createMiddleware({
    name: 'TristackResponseCache',
    contextSchema: runIdentityContextSchema,
    wrapModelCall: async (request, handler) => {
      const identity = identityOf(request.runtime);
      const cacheRequest = toSemanticCacheRequest({
        tenant: tenantOf(identity),
        model: modelName(request.model),
        messages: request.messages,
        system: request.systemPrompt,
        tools: request.tools,
        toolChoice: request.toolChoice,
        settings: request.modelSettings,
        responseFormat: request.responseFormat,
        tags: options.tags?.(identity),
      });
      const found = await options.cache.lookup(cacheRequest, options.lookup);
      if (found.hit) return fromCacheHit(found);
      const response = await handler(request);
      // Structured-output results and rate-limit notices are not model answers worth replaying.
      if (
        AIMessage.isInstance(response) &&
        !(response.response_metadata as { tristack?: { rateLimited?: unknown } })?.tristack?.rateLimited
      ) {
        await options.cache.store(cacheRequest, toCachedResponse(response));
      }
      return response;
    },
  });
}
