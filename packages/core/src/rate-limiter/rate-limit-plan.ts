import { InvalidInputError } from '../errors.js';
import { parseInput, parseOptions } from '../validation.js';
import {
  DEFAULT_RATE_LIMIT_SCOPE,
  DEFAULT_RATE_LIMIT_UNIT,
  MAX_RATE_LIMIT_HORIZON_MS,
  rateLimitAmountSchema,
  type RateLimitCost,
  type RateLimitKey,
  rateLimitKeySchema,
  type RateLimitRule,
  type RateLimitRuleInput,
  rateLimiterOptionsSchema,
} from './rate-limiter.js';

/** One scope's id and the rules a call checks against it, with what each is charged. */
export interface RateLimitTarget {
  readonly scope: string;
  readonly key: string;
  readonly rules: readonly { readonly rule: RateLimitRule; readonly cost: number }[];
}

/**
 * Parses the options every driver shares (throws `InvalidOptionsError`) and applies rule defaults.
 * Drivers parse their own extra options separately.
 */
export function resolveRateLimiterOptions(
  value: unknown,
  driver: string,
): { name: string; limits: RateLimitRule[] } {
  const shared = parseOptions(rateLimiterOptionsSchema, value, { what: 'rate limiter', driver });
  const limits = shared.limits.map((rule): RateLimitRule =>
    rule.algorithm === 'token-bucket' ? { ...rule, burst: rule.burst ?? rule.limit } : rule,
  );
  return { name: shared.name, limits };
}

/** What `cost` charges `rule`: a number charges every rule, a record is matched by unit. */
export function costForRule(
  rule: RateLimitRuleInput | RateLimitRule,
  cost: RateLimitCost | undefined,
): number {
  if (cost === undefined) return 1;
  if (typeof cost === 'number') return cost;
  const unit = rule.unit ?? DEFAULT_RATE_LIMIT_UNIT;
  return cost[unit] ?? (unit === DEFAULT_RATE_LIMIT_UNIT ? 1 : 0);
}

function parseCost(
  rules: readonly RateLimitRule[],
  value: unknown,
  what: string,
  driver: string,
): RateLimitCost | undefined {
  if (value === undefined) return undefined;
  const cost = parseInput(rateLimitAmountSchema, value, { what, driver });
  if (typeof cost === 'object') {
    const units = new Set(rules.map((rule) => rule.unit));
    for (const unit of Object.keys(cost)) {
      if (!units.has(unit))
        throw new InvalidInputError(
          `invalid ${what}: unit '${unit}' is counted by no rule (units: ${[...units].join(', ')})`,
          { driver, issues: [{ path: [unit], message: 'unknown unit' }] },
        );
    }
  }
  return cost;
}

/** Validates a key and groups the limiter's rules by the scopes it names, sorted by scope. */
export function resolveRateLimitKey(
  rules: readonly RateLimitRule[],
  key: unknown,
  driver: string,
): { scope: string; key: string; rules: RateLimitRule[] }[] {
  const parsed: RateLimitKey = parseInput(rateLimitKeySchema, key, { what: 'rate limit key', driver });
  const ids = typeof parsed === 'string' ? { [DEFAULT_RATE_LIMIT_SCOPE]: parsed } : parsed;
  return Object.keys(ids)
    .sort()
    .map((scope) => {
      const scoped = rules.filter((rule) => rule.scope === scope);
      if (scoped.length === 0) {
        const scopes = [...new Set(rules.map((rule) => rule.scope))].join(', ');
        throw new InvalidInputError(
          `invalid rate limit key: no rule has scope '${scope}' (scopes: ${scopes})` +
            (typeof parsed === 'string' ? `; pass { <scope>: id }` : ''),
          { driver, issues: [{ path: [scope], message: 'unknown scope' }] },
        );
      }
      return { scope, key: ids[scope]!, rules: scoped };
    });
}

/** Validates a `limit`/`peek` call and works out what each rule of each scope is charged. */
export function planRateLimitCall(
  rules: readonly RateLimitRule[],
  key: unknown,
  cost: unknown,
  driver: string,
): RateLimitTarget[] {
  const targets = resolveRateLimitKey(rules, key, driver);
  const parsedCost = parseCost(rules, cost, 'rate limit cost', driver);
  return targets.map((target) => ({
    ...target,
    rules: target.rules.map((rule) => ({ rule, cost: costForRule(rule, parsedCost) })),
  }));
}

/** Validates a `reconcile` call: each rule's `cost` is the signed difference actual − reserved. */
export function planRateLimitReconcile(
  rules: readonly RateLimitRule[],
  key: unknown,
  reserved: unknown,
  actual: unknown,
  driver: string,
): RateLimitTarget[] {
  const targets = resolveRateLimitKey(rules, key, driver);
  const reservedCost = parseCost(rules, reserved, 'reserved cost', driver);
  const actualCost = parseCost(rules, actual, 'actual cost', driver);
  return targets.map((target) => ({
    ...target,
    rules: target.rules.map((rule) => {
      const cost = costForRule(rule, actualCost) - costForRule(rule, reservedCost);
      checkWithinHorizon(rule, cost, driver);
      return { rule, cost };
    }),
  }));
}

/**
 * A reconcile charge always applies, even past the limit: on a token bucket it pushes the bucket's
 * TAT `cost × windowMs / limit` ahead. One call may not reach past the horizon, where stored times
 * and expiries would leave Redis' integer range.
 */
function checkWithinHorizon(rule: RateLimitRule, cost: number, driver: string): void {
  if (rule.algorithm !== 'token-bucket' || cost <= 0) return;
  const aheadMs = (cost * rule.windowMs) / rule.limit;
  if (aheadMs <= MAX_RATE_LIMIT_HORIZON_MS) return;
  const largest = (MAX_RATE_LIMIT_HORIZON_MS * rule.limit) / rule.windowMs;
  throw new InvalidInputError(
    `invalid reconcile options: rule '${rule.scope}/${rule.name}' can take a charge of at most ${largest} ${rule.unit} at once (got ${cost})`,
    { driver, issues: [{ path: ['actual'], message: 'charge beyond the rate limit horizon' }] },
  );
}
