import type { RateLimitResult } from '../rate-limiter/rate-limiter.js';
import type { SemanticCacheLookupResult } from '../semantic-cache/types.js';
import { TelemetryAttribute as A, TelemetrySpanName } from './telemetry-attributes.js';
import { TelemetrySpanKind, type TelemetrySpan, type TristackTelemetry } from './tristack-telemetry.js';

/**
 * Runs a semantic-cache lookup inside a `tristack.cache.lookup` span of `telemetry`, the way every
 * response-cache middleware (LangChain, AI SDK) reports it: the result (`exact`, `semantic`,
 * `miss`) on the span and in the lookups counter, the nearest similarity, the miss reason and the
 * guard that rejected a near miss; on a hit, the tokens and cost it saved go to their counters.
 *
 * @param telemetry - The adapter's tracer and meter (its instrumentation scope names the package).
 * @param lookup - The lookup to run; its result is returned unchanged.
 * @returns What `lookup` resolved to.
 */
export function tracedCacheLookup(
  telemetry: TristackTelemetry,
  lookup: () => Promise<SemanticCacheLookupResult>,
): Promise<SemanticCacheLookupResult> {
  return telemetry.inSpan(TelemetrySpanName.cacheLookup, TelemetrySpanKind.INTERNAL, async (span) => {
    const found = await lookup();
    const result = found.hit ? found.kind : 'miss';
    const instruments = telemetry.instruments;
    instruments.cacheLookups.add(1, { [A.cacheResult]: result });
    if (found.hit) {
      const kind = { [A.cacheResult]: found.kind };
      const usage = found.response.usage;
      const tokens = found.saved?.tokens ?? (usage ? usage.inputTokens + usage.outputTokens : 0);
      if (tokens > 0) instruments.cacheTokensSaved.add(tokens, kind);
      if (found.saved && found.saved.costUsd > 0) instruments.cacheCostSaved.add(found.saved.costUsd, kind);
    }
    if (span.isRecording()) {
      span.setAttribute(A.cacheResult, result);
      const similarity = found.hit ? found.similarity : found.nearestSimilarity;
      if (similarity !== undefined) span.setAttribute(A.cacheSimilarity, similarity);
      if (!found.hit) span.setAttribute('tristack.cache.miss_reason', found.reason);
      if (!found.hit && found.rejectedBy) span.setAttribute('tristack.cache.rejected_by', found.rejectedBy);
    }
    return found;
  });
}

/**
 * Records one rate-limiter verdict the way every rate-limit middleware reports it: in the
 * decisions counter of `telemetry` (allowed and rule — never the key, which is unbounded) and, when
 * `span` (the `tristack.rate_limit` span) is recording, as its attributes, with the remaining budget
 * when finite and the retry delay of a denial.
 *
 * @param telemetry - The adapter's tracer and meter.
 * @param span - The `tristack.rate_limit` span the verdict belongs to.
 * @param result - The limiter's verdict.
 */
export function recordRateLimitDecision(
  telemetry: TristackTelemetry,
  span: TelemetrySpan,
  result: RateLimitResult,
): void {
  telemetry.instruments.rateLimitDecisions.add(1, {
    [A.rateLimitAllowed]: result.allowed,
    ...(result.rule ? { [A.rateLimitRule]: result.rule } : {}),
  });
  if (!span.isRecording()) return;
  span.setAttribute(A.rateLimitAllowed, result.allowed);
  if (result.rule) span.setAttribute(A.rateLimitRule, result.rule);
  if (Number.isFinite(result.remaining)) span.setAttribute(A.rateLimitRemaining, result.remaining);
  if (!result.allowed && Number.isFinite(result.retryAfterMs))
    span.setAttribute(A.rateLimitRetryAfterMs, result.retryAfterMs);
}
