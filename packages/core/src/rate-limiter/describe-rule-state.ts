import { checkRule, type RuleState } from './rate-limit-algorithms.js';
import type { RateLimitRule } from './rate-limiter.js';
import type { RateLimitRuleState } from './rate-limiter-inspector.js';

/**
 * One rule's stored state as an inspector reports it: what the state itself says, plus limit,
 * remaining and reset when the rule is known (every driver decodes its store into `RuleState`
 * and calls this, so they report alike).
 */
export function describeRuleState(
  name: string,
  state: RuleState,
  now: number,
  rule?: RateLimitRule,
): RateLimitRuleState {
  const known = rule?.algorithm === state.algorithm ? rule : undefined;
  const verdict = known ? checkRule(known, state, now, 0, false) : undefined;
  const figures = known
    ? {
        limit: known.algorithm === 'token-bucket' ? known.burst : known.limit,
        remaining: verdict!.remaining,
        resetAt: Math.ceil(verdict!.resetAt),
      }
    : {};
  switch (state.algorithm) {
    case 'fixed-window':
      return {
        rule: name,
        algorithm: state.algorithm,
        used: state.used,
        windowStart: state.start,
        ...figures,
      };
    case 'sliding-window': {
      const buckets: Record<string, number> = {};
      let used = 0;
      for (const [index, amount] of [...state.buckets].sort((a, b) => a[0] - b[0])) {
        buckets[String(index)] = amount;
        used += amount;
      }
      return { rule: name, algorithm: state.algorithm, used, buckets, ...figures };
    }
    case 'token-bucket':
      return { rule: name, algorithm: state.algorithm, fullAt: Math.ceil(state.tat), ...figures };
  }
}
