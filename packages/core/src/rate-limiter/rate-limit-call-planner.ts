import { parseInput, unreadableInputError } from '../validation.js';
import { costForRule, planRateLimitCall, type RateLimitTarget } from './rate-limit-plan.js';
import {
  DEFAULT_RATE_LIMIT_SCOPE,
  MAX_RATE_LIMIT_AMOUNT,
  rateLimitCallOptionsSchema,
  rateLimitPeekOptionsSchema,
  type RateLimitRule,
} from './rate-limiter.js';

// Inputs these accept are certainly valid; anything else takes the zod path, which accepts the
// rest of the valid inputs and throws the typed errors. Printable ASCII ids, within MAX_ID_LENGTH.
const PLAIN_ID = /^[\x20-\x7e]{1,256}$/;
const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

type PlannedRules = RateLimitTarget['rules'];

/**
 * Plans `limit`/`peek` calls without zod on the common inputs (a printable id or a record of them,
 * no cost, a number, or a record of known units): options are validated once, at construction, and
 * a call's own inputs with a few comparisons. Anything unusual goes through `planRateLimitCall`
 * and the zod schemas, so every invalid input gets the same `InvalidInputError` as before.
 */
export class RateLimitCallPlanner {
  private readonly rulesByScope = new Map<string, readonly RateLimitRule[]>();
  /** Per scope, each rule charged its default cost (no `cost` given): shared by every such call. */
  private readonly defaultCosts = new Map<string, PlannedRules>();
  private readonly units: ReadonlySet<string>;

  constructor(
    private readonly rules: readonly RateLimitRule[],
    private readonly driver: string,
  ) {
    for (const rule of rules) {
      const scoped = this.rulesByScope.get(rule.scope) ?? [];
      this.rulesByScope.set(rule.scope, [...scoped, rule]);
    }
    for (const [scope, scoped] of this.rulesByScope)
      this.defaultCosts.set(
        scope,
        Object.freeze(scoped.map((rule) => Object.freeze({ rule, cost: costForRule(rule, undefined) }))),
      );
    this.units = new Set(rules.map((rule) => rule.unit));
  }

  /** `limit` (a numeric cost must be positive) or `peek` (zero allowed). */
  plan(key: unknown, options: unknown, mode: 'limit' | 'peek'): RateLimitTarget[] {
    const what = mode === 'limit' ? 'rate limit options' : 'peek options';
    let cost: PlainCost | typeof INVALID;
    try {
      cost = options === undefined ? undefined : this.plainCost(options, mode === 'limit');
    } catch (error) {
      // A throwing getter or Proxy trap: typed like zod's path would report it.
      throw unreadableInputError(error, options, { what, driver: this.driver });
    }
    if (cost !== INVALID) {
      if (typeof key === 'string') {
        if (PLAIN_ID.test(key)) {
          const rules = this.rulesFor(DEFAULT_RATE_LIMIT_SCOPE, cost);
          if (rules) return [{ scope: DEFAULT_RATE_LIMIT_SCOPE, key, rules }];
        }
      } else {
        let targets: RateLimitTarget[] | undefined;
        try {
          targets = this.plainRecordTargets(key, cost);
        } catch (error) {
          throw unreadableInputError(error, key, { what: 'rate limit key', driver: this.driver });
        }
        if (targets) return targets;
      }
    }
    const schema = mode === 'limit' ? rateLimitCallOptionsSchema : rateLimitPeekOptionsSchema;
    const parsed = parseInput(schema, options, { what, driver: this.driver });
    return planRateLimitCall(this.rules, key, parsed?.cost, this.driver);
  }

  private rulesFor(scope: string, cost: PlainCost): PlannedRules | undefined {
    if (cost === undefined) return this.defaultCosts.get(scope);
    const scoped = this.rulesByScope.get(scope);
    if (!scoped) return undefined;
    return scoped.map((rule) => ({ rule, cost: costForRule(rule, cost) }));
  }

  private plainRecordTargets(key: unknown, cost: PlainCost): RateLimitTarget[] | undefined {
    if (!isPlainObject(key)) return undefined;
    const scopes = Object.keys(key);
    if (scopes.length === 0) return undefined;
    scopes.sort();
    const targets: RateLimitTarget[] = [];
    for (const scope of scopes) {
      const id = (key as Record<string, unknown>)[scope];
      if (typeof id !== 'string' || !PLAIN_ID.test(id) || !NAME.test(scope)) return undefined;
      const rules = this.rulesFor(scope, cost);
      if (!rules) return undefined;
      targets.push({ scope, key: id, rules });
    }
    return targets;
  }

  /** The `cost` of plain, valid options; INVALID sends the call down the zod path. */
  private plainCost(options: unknown, positive: boolean): PlainCost | typeof INVALID {
    if (!isPlainObject(options)) return INVALID;
    const cost = (options as { cost?: unknown }).cost;
    if (cost === undefined) return undefined;
    if (typeof cost === 'number') return isAmount(cost) && (!positive || cost > 0) ? cost : INVALID;
    if (!isPlainObject(cost)) return INVALID;
    for (const unit of Object.keys(cost)) {
      if (!NAME.test(unit) || !this.units.has(unit)) return INVALID;
      const amount = (cost as Record<string, unknown>)[unit];
      if (typeof amount !== 'number' || !isAmount(amount)) return INVALID;
    }
    return cost as Readonly<Record<string, number>>;
  }
}

const INVALID = Symbol('invalid');
type PlainCost = number | Readonly<Record<string, number>> | undefined;

function isAmount(value: number): boolean {
  return value >= 0 && value <= MAX_RATE_LIMIT_AMOUNT;
}

function isPlainObject(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
