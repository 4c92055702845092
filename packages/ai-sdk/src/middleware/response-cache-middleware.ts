import type { LanguageModelV3CallOptions, LanguageModelV3Middleware } from '@ai-sdk/provider';
import { z } from 'zod';
import type { SemanticCache, SemanticCacheLookupOptions, SemanticCacheLookupResult } from '@tristack/core';
import { cacheOwnerOf, tracedCacheLookup } from '@tristack/core/driver-kit';
import {
  fromCachedResponse,
  hasToolResults,
  toCachedResponse,
  toSemanticCacheRequest,
} from '../cache-request.js';
import {
  modelName,
  replayStream,
  tapStream,
  tristackMetadataOf,
  withTristackMetadata,
  ZERO_USAGE,
  type TristackCallMetadata,
} from '../model-call.js';
import { resolveIdentity, type RunIdentity } from '../run-identity.js';
import { aiSdkTelemetry } from '../telemetry.js';
import {
  functionOption,
  identitySourceOption,
  instanceOption,
  objectOption,
  parseMiddlewareOptions,
} from './middleware-option-schemas.js';

export const responseCacheMiddlewareOptionsSchema = z.strictObject({
  cache: instanceOption<SemanticCache>('cache', ['lookup', 'store']),
  /** @default the identity set by `withRunIdentity` */
  identity: identitySourceOption,
  /** Extra scope (locale, plan…), part of the key and usable to invalidate. */
  tags: functionOption<(identity: RunIdentity) => Record<string, string> | undefined>('tags').optional(),
  /** Lookup options (threshold, exact only). */
  lookup: objectOption<SemanticCacheLookupOptions>('lookup').optional(),
  /** Whose cache a call uses: answers never cross tenants. @default the tenant id, else `'default'` */
  tenant: functionOption<(identity: RunIdentity) => string>('tenant').optional(),
  /**
   * Share answers between the users of a tenant (FAQ-style answers holding nothing personal). Off
   * by default: each user has their own scope, and a call naming no user is not cached at all.
   * Answers computed from tool results are never shared, even with this on.
   * @default false
   */
  shareAcrossUsers: z.boolean().default(false),
});
export type ResponseCacheMiddlewareOptions = z.input<typeof responseCacheMiddlewareOptionsSchema>;

/** Reserved tag of the entries of tenant-less runs (a caller's own tag of this name is dropped). */
const TENANTLESS_TAG = 'tristack-tenantless';

const hitMetadata = (hit: Extract<SemanticCacheLookupResult, { hit: true }>): TristackCallMetadata => ({
  cached: { kind: hit.kind, similarity: hit.similarity, entryId: hit.entryId, ageMs: hit.ageMs },
});

/**
 * The semantic cache (exact, then semantic) around each call, keyed on the whole call — prompt
 * with its content parts, tools, tool choice, settings, response format, provider options —
 * within the tenant and the user (the LangChain adapter's scoping rules). A hit answers without
 * calling the model (usage zero, `providerMetadata.tristack.cached`); a stream replays it. Put it
 * outside the limiter, the fallback and the breaker. Each lookup is a `tristack.cache.lookup` span.
 */
export function responseCacheMiddleware(input: ResponseCacheMiddlewareOptions): LanguageModelV3Middleware {
  const options = parseMiddlewareOptions(
    responseCacheMiddlewareOptionsSchema,
    input,
    'responseCacheMiddleware',
  );
  const requestOf = (params: LanguageModelV3CallOptions, model: string) => {
    const identity = resolveIdentity(options.identity);
    const owner = cacheOwnerOf(identity, hasToolResults(params.prompt), options);
    return owner ? toSemanticCacheRequest(owner, model, params, tagsOf(identity)) : undefined;
  };
  // A tenant-less run is cached under the tenant `'default'`, marked by a reserved tag, so it never
  // shares entries with the tenant named `'default'` (the limiter keeps them apart too).
  const tagsOf = (identity: RunIdentity): Record<string, string> | undefined => {
    const tags = { ...options.tags?.(identity) };
    delete tags[TENANTLESS_TAG];
    if (!options.tenant && identity.tenantId === undefined) tags[TENANTLESS_TAG] = 'true';
    return Object.keys(tags).length ? tags : undefined;
  };
  return {
    specificationVersion: 'v3',
    wrapGenerate: async ({ doGenerate, params, model }) => {
      const request = requestOf(params, modelName(model));
      if (!request) return doGenerate();
      const found = await tracedCacheLookup(aiSdkTelemetry, () =>
        options.cache.lookup(request, options.lookup),
      );
      if (found.hit) {
        const { content, finishReason } = fromCachedResponse(found.response);
        return {
          content,
          finishReason,
          usage: ZERO_USAGE,
          warnings: [],
          providerMetadata: withTristackMetadata(undefined, hitMetadata(found)),
        };
      }
      const result = await doGenerate();
      // Rate-limit notices are not model answers worth replaying.
      if (!tristackMetadataOf(result.providerMetadata).rateLimited) {
        await options.cache.store(
          request,
          toCachedResponse(result.content, result.finishReason, {
            inputTokens: result.usage.inputTokens.total,
            outputTokens: result.usage.outputTokens.total,
          }),
        );
      }
      return result;
    },
    wrapStream: async ({ doStream, params, model }) => {
      const request = requestOf(params, modelName(model));
      if (!request) return doStream();
      const found = await tracedCacheLookup(aiSdkTelemetry, () =>
        options.cache.lookup(request, options.lookup),
      );
      if (found.hit) {
        const { content, finishReason } = fromCachedResponse(found.response);
        return replayStream(content, {
          finishReason,
          usage: ZERO_USAGE,
          providerMetadata: withTristackMetadata(undefined, hitMetadata(found)),
        });
      }
      return tapStream(await doStream(), {
        onFinish: async (outcome) => {
          if (tristackMetadataOf(outcome.providerMetadata).rateLimited) return;
          if (outcome.finishReason.unified === 'error') return;
          await options.cache.store(
            request,
            toCachedResponse(outcome.content, outcome.finishReason, {
              inputTokens: outcome.usage.inputTokens.total,
              outputTokens: outcome.usage.outputTokens.total,
            }),
          );
        },
      });
    },
  };
}
