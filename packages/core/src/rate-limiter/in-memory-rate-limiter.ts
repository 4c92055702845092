import { z } from 'zod';
import { systemClock, type Clock } from '../clock.js';
import { parseInput, parseOptions } from '../validation.js';
import { checkRule, chargeRule, type RuleState } from './rate-limit-algorithms.js';
import {
  planRateLimitCall,
  planRateLimitReconcile,
  resolveRateLimitKey,
  resolveRateLimiterOptions,
  type RateLimitTarget,
} from './rate-limit-plan.js';
import { summarizeRateLimit, toRuleResult } from './rate-limit-result.js';
import {
  blockDurationSchema,
  rateLimitCallOptionsSchema,
  rateLimitPeekOptionsSchema,
  rateLimitReconcileOptionsSchema,
  type RateLimitCallOptions,
  type RateLimitKey,
  type RateLimiter,
  type RateLimiterOptionsInput,
  type RateLimitReconcileOptions,
  type RateLimitResult,
  type RateLimitRule,
  type RateLimitRuleResult,
} from './rate-limiter.js';

const DRIVER = 'memory';

export interface InMemoryRateLimiterOptions extends RateLimiterOptionsInput {
  /**
   * Source of time (a `ManualClock` in tests).
   * @default systemClock
   */
  clock?: Clock;
}

const clockSchema = z.object({
  clock: z
    .custom<Clock>((value) => typeof (value as Clock | undefined)?.now === 'function', 'must have now()')
    .optional(),
});

interface Entry {
  readonly rules: Map<string, RuleState>;
  blockedUntil: number;
  /** When nothing in the entry counts any more: swept after this. */
  expiresAt: number;
}

/** Sweep expired entries once per this many writes: memory stays bounded by the live keys. */
const SWEEP_EVERY = 1024;

/**
 * A `RateLimiter` in this process's memory: for tests, single-process apps, and as a model of the
 * semantics every driver shares. State lives in the instance.
 */
export class InMemoryRateLimiter implements RateLimiter {
  readonly limits: readonly RateLimitRule[];
  private readonly clock: Clock;
  private readonly entries = new Map<string, Entry>();
  private writes = 0;

  constructor(options: InMemoryRateLimiterOptions) {
    this.limits = resolveRateLimiterOptions(options, DRIVER).limits;
    this.clock =
      parseOptions(clockSchema, options, { what: 'rate limiter', driver: DRIVER }).clock ?? systemClock;
  }

  async limit(key: RateLimitKey, options?: RateLimitCallOptions): Promise<RateLimitResult> {
    const parsed = parseInput(rateLimitCallOptionsSchema, options, {
      what: 'rate limit options',
      driver: DRIVER,
    });
    return this.decide(planRateLimitCall(this.limits, key, parsed?.cost, DRIVER), this.clock.now(), true);
  }

  async peek(key: RateLimitKey, options?: RateLimitCallOptions): Promise<RateLimitResult> {
    const parsed = parseInput(rateLimitPeekOptionsSchema, options, { what: 'peek options', driver: DRIVER });
    return this.decide(planRateLimitCall(this.limits, key, parsed?.cost, DRIVER), this.clock.now(), false);
  }

  async reconcile(key: RateLimitKey, options: RateLimitReconcileOptions): Promise<RateLimitResult> {
    const parsed = parseInput(rateLimitReconcileOptionsSchema, options, {
      what: 'reconcile options',
      driver: DRIVER,
    });
    const targets = planRateLimitReconcile(this.limits, key, parsed.reserved, parsed.actual, DRIVER);
    const now = this.clock.now();
    for (const target of targets) {
      const entry = this.entry(target, now);
      for (const { rule, cost } of target.rules) {
        const next =
          cost === 0 ? undefined : chargeRule(rule, entry.rules.get(rule.name), now, cost, parsed.checkedAt);
        if (next) entry.rules.set(rule.name, next);
      }
      this.store(
        target,
        target.rules.map(({ rule }) => rule),
        entry,
        now,
      );
    }
    return this.decide(
      targets.map((target) => ({ ...target, rules: target.rules.map(({ rule }) => ({ rule, cost: 0 })) })),
      now,
      false,
    );
  }

  async reset(key: RateLimitKey): Promise<void> {
    for (const target of resolveRateLimitKey(this.limits, key, DRIVER)) this.entries.delete(entryId(target));
  }

  async block(key: RateLimitKey, ms: number): Promise<void> {
    const duration = parseInput(blockDurationSchema, ms, { what: 'block duration', driver: DRIVER });
    const now = this.clock.now();
    for (const target of resolveRateLimitKey(this.limits, key, DRIVER)) {
      const entry = this.entry(target, now);
      entry.blockedUntil = Math.max(entry.blockedUntil, now + duration);
      this.store(target, target.rules, entry, now);
    }
  }

  /** Checks every rule of every target; charges all of them only when all fit and none is blocked. */
  private decide(targets: readonly RateLimitTarget[], now: number, charge: boolean): RateLimitResult {
    let blockedUntil = 0;
    let allFit = true;
    const verdicts = targets.map((target) => {
      const entry = this.live(target, now);
      if (entry && entry.blockedUntil > now) blockedUntil = Math.max(blockedUntil, entry.blockedUntil);
      return target.rules.map(({ rule, cost }) => {
        const verdict = checkRule(rule, entry?.rules.get(rule.name), now, cost, false);
        allFit &&= verdict.fits;
        return verdict;
      });
    });
    const admitted = allFit && blockedUntil === 0;
    const results: RateLimitRuleResult[] = [];
    targets.forEach((target, targetIndex) => {
      const entry = admitted && charge ? this.entry(target, now) : undefined;
      target.rules.forEach(({ rule, cost }, ruleIndex) => {
        const charged = entry && cost > 0 ? cost : 0;
        // Admitted calls report the state after their charge.
        const verdict = entry
          ? checkRule(rule, entry.rules.get(rule.name), now, cost, true)
          : verdicts[targetIndex]![ruleIndex]!;
        if (entry && charged > 0)
          entry.rules.set(rule.name, chargeRule(rule, entry.rules.get(rule.name), now, charged)!);
        results.push(toRuleResult(target.scope, target.key, rule, verdict, charged));
      });
      if (entry)
        this.store(
          target,
          target.rules.map(({ rule }) => rule),
          entry,
          now,
        );
    });
    return summarizeRateLimit(results, now, blockedUntil);
  }

  private live(target: { scope: string; key: string }, now: number): Entry | undefined {
    const entry = this.entries.get(entryId(target));
    return entry && entry.expiresAt > now ? entry : undefined;
  }

  private entry(target: { scope: string; key: string }, now: number): Entry {
    return this.live(target, now) ?? { rules: new Map(), blockedUntil: 0, expiresAt: 0 };
  }

  /** Saves an entry with the time it stops mattering, and now and then drops the expired ones. */
  private store(
    target: { scope: string; key: string },
    rules: readonly RateLimitRule[],
    entry: Entry,
    now: number,
  ): void {
    let expiresAt = entry.blockedUntil;
    for (const rule of rules) {
      const state = entry.rules.get(rule.name);
      if (state) expiresAt = Math.max(expiresAt, checkRule(rule, state, now, 0).resetAt);
    }
    entry.expiresAt = expiresAt;
    this.entries.set(entryId(target), entry);
    if (++this.writes % SWEEP_EVERY === 0) {
      for (const [id, each] of this.entries) if (each.expiresAt <= now) this.entries.delete(id);
    }
  }
}

function entryId(target: { scope: string; key: string }): string {
  return `${target.scope}\u0000${target.key}`;
}
