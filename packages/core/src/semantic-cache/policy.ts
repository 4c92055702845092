import { InvalidOptionsError } from '../errors.js';
import { contentText, type PreparedRequest } from './prepare-request.js';
import { MAX_COST_USD, type ResolvedSemanticCacheOptions } from './schemas.js';
import type {
  CachedResponse,
  SemanticCacheSkipReason,
  SemanticCacheStoreOptions,
  TokenUsage,
} from './types.js';

/**
 * True when the request may be answered from the cache at all: its sampling asks for no variety,
 * and any tool results it carries are part of its scope (with history out of scope, another
 * caller's tool results would not tell the two requests apart).
 */
export function isRequestCacheable(
  prepared: PreparedRequest,
  options: ResolvedSemanticCacheOptions,
): boolean {
  if (prepared.toolResultsOutOfScope) return false;
  return prepared.temperature === undefined || prepared.temperature <= options.maxTemperature;
}

/** Why a response must not be cached, or `undefined` when it may be. */
export function skipReason(
  prepared: PreparedRequest,
  response: CachedResponse,
  options: ResolvedSemanticCacheOptions,
): SemanticCacheSkipReason | undefined {
  if (response.isError) return 'error-response';
  if (response.toolCalls?.length && !options.cacheToolCalls) return 'tool-calls';
  if (prepared.toolResultsOutOfScope) return 'tool-results';
  if (!isRequestCacheable(prepared, options)) return 'temperature';
  if (options.cacheable && !options.cacheable(prepared.request, response)) return 'predicate';
  return undefined;
}

// Roughly four characters per token for English text: used only when the caller gives no usage.
const CHARACTERS_PER_TOKEN = 4;

/** What one hit on this entry saves: the original call's tokens and cost. */
export function savingsOf(
  prepared: PreparedRequest,
  response: CachedResponse,
  storeOptions: SemanticCacheStoreOptions,
  options: ResolvedSemanticCacheOptions,
): { tokens: number; costUsd: number } {
  const usage: TokenUsage = storeOptions.usage ??
    response.usage ?? {
      inputTokens: Math.ceil(
        (prepared.request.messages.reduce((sum, message) => sum + contentText(message.content).length, 0) +
          (prepared.request.system === undefined ? 0 : contentText(prepared.request.system).length)) /
          CHARACTERS_PER_TOKEN,
      ),
      outputTokens: Math.ceil(contentText(response.content).length / CHARACTERS_PER_TOKEN),
    };
  const price = options.pricing?.[prepared.request.model];
  const costUsd =
    storeOptions.costUsd ??
    (price
      ? (usage.inputTokens * price.inputPerMillionTokens +
          usage.outputTokens * price.outputPerMillionTokens) /
        1e6
      : 0);
  // A priced cost can exceed what one entry may save (1e9 tokens at a high price): capped, never Infinity.
  return { tokens: usage.inputTokens + usage.outputTokens, costUsd: Math.min(costUsd, MAX_COST_USD) };
}

/** The threshold for one lookup: the call's, else the scope's, else the cache's. */
export function thresholdFor(
  prepared: PreparedRequest,
  callThreshold: number | undefined,
  options: ResolvedSemanticCacheOptions,
): number {
  if (callThreshold !== undefined) return callThreshold;
  const scoped = options.thresholdForScope?.(prepared.scope);
  if (scoped !== undefined) {
    if (!(scoped >= 0 && scoped <= 1))
      throw new InvalidOptionsError(`thresholdForScope returned ${scoped}: must be within 0–1`);
    return scoped;
  }
  return options.similarityThreshold;
}

/** Reported similarity: cosine clamped to 0–1 (opposite vectors count as 0), rounded to 6 decimals (float32 resolution). */
export function reportedSimilarity(cosine: number): number {
  return Math.round(Math.min(1, Math.max(0, cosine)) * 1e6) / 1e6;
}
