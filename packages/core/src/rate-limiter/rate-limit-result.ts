import type { RuleVerdict } from './rate-limit-algorithms.js';
import type { RateLimitResult, RateLimitRule, RateLimitRuleResult } from './rate-limiter.js';

/** One rule's verdict as reported to callers: whole milliseconds, rounded up so a retry never comes early. */
export function toRuleResult(
  scope: string,
  key: string,
  rule: RateLimitRule,
  verdict: RuleVerdict,
  charged: number,
): RateLimitRuleResult {
  return {
    scope,
    key,
    rule: rule.name,
    unit: rule.unit,
    algorithm: rule.algorithm,
    allowed: verdict.fits,
    limit: rule.algorithm === 'token-bucket' ? rule.burst : rule.limit,
    remaining: verdict.remaining,
    resetAt: Math.ceil(verdict.resetAt),
    retryAfterMs: verdict.fits
      ? 0
      : Number.isFinite(verdict.retryAfterMs)
        ? Math.max(1, Math.ceil(verdict.retryAfterMs))
        : Infinity,
    charged,
  };
}

/**
 * Folds every rule's verdict into one result. Denied: the denying rule with the longest wait binds.
 * Allowed: the rule with the least room relative to its limit binds. A block overrides both.
 */
export function summarizeRateLimit(
  rules: readonly RateLimitRuleResult[],
  checkedAt: number,
  blockedUntil = 0,
): RateLimitResult {
  // One pass, no intermediate arrays or spreads: this runs on every call.
  let binding: RateLimitRuleResult | undefined;
  for (const rule of rules) {
    if (!binding) binding = rule;
    else if (!rule.allowed)
      binding = binding.allowed || rule.retryAfterMs > binding.retryAfterMs ? rule : binding;
    else if (binding.allowed && rule.remaining / rule.limit < binding.remaining / binding.limit)
      binding = rule;
  }
  const result: {
    -readonly [Field in keyof RateLimitResult]: RateLimitResult[Field];
  } = {
    allowed: true,
    limit: binding ? binding.limit : 0,
    remaining: binding ? binding.remaining : 0,
    resetAt: binding ? binding.resetAt : Math.ceil(checkedAt),
    retryAfterMs: 0,
    checkedAt: Math.floor(checkedAt),
    rules,
  };
  if (binding) {
    result.scope = binding.scope;
    result.rule = binding.rule;
  }
  if (blockedUntil > checkedAt) {
    result.allowed = false;
    result.remaining = 0;
    result.resetAt = Math.ceil(blockedUntil);
    result.retryAfterMs = Math.max(Math.ceil(blockedUntil - checkedAt), binding ? binding.retryAfterMs : 0);
    result.reason = 'blocked';
  } else if (binding && !binding.allowed) {
    result.allowed = false;
    result.retryAfterMs = binding.retryAfterMs;
    result.reason = binding.retryAfterMs === Infinity ? 'cost-exceeds-limit' : 'limited';
  }
  return result;
}

/**
 * What a driver answers when its store is down or slower than its timeout: the failure policy
 * decides, and `reason: 'store-unavailable'` says so. Fail-closed suggests retrying after `retryAfterMs`.
 */
export function storeUnavailableResult(
  policy: 'fail-open' | 'fail-closed',
  now: number,
  retryAfterMs: number,
): RateLimitResult {
  const open = policy === 'fail-open';
  return {
    allowed: open,
    limit: 0,
    remaining: 0,
    resetAt: Math.ceil(now + (open ? 0 : retryAfterMs)),
    retryAfterMs: open ? 0 : retryAfterMs,
    reason: 'store-unavailable',
    checkedAt: Math.floor(now),
    rules: [],
  };
}
