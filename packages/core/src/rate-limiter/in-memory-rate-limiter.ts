import { z } from 'zod';
import { type Clock, clockSchema, systemClock } from '../clock.js';
import { parseOptions } from '../validation.js';
import { BaseRateLimiter, type RateLimitKeyTarget } from './base-rate-limiter.js';
import { checkRule, chargeRule, type RuleState } from './rate-limit-algorithms.js';
import type { RateLimitTarget } from './rate-limit-plan.js';
import { summarizeRateLimit, toRuleResult } from './rate-limit-result.js';
import { InMemoryRateLimiterInspector } from './in-memory-rate-limiter-inspector.js';
import type { RateLimiterInspector } from './rate-limiter-inspector.js';
import type {
  RateLimiterOptions,
  RateLimitResult,
  RateLimitRule,
  RateLimitRuleResult,
} from './rate-limiter.js';

const DRIVER = 'memory';

export interface InMemoryRateLimiterOptions extends RateLimiterOptions {
  /**
   * Source of time (a `ManualClock` in tests).
   * @default systemClock
   */
  clock?: Clock;
}

const clockOptionSchema = z.object({ clock: clockSchema.optional() });

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
export class InMemoryRateLimiter extends BaseRateLimiter {
  private readonly clock: Clock;
  private readonly entries = new Map<string, Entry>();
  private writes = 0;

  constructor(options: InMemoryRateLimiterOptions) {
    super(options, DRIVER);
    this.clock =
      parseOptions(clockOptionSchema, options, { what: 'rate limiter', driver: DRIVER }).clock ?? systemClock;
  }

  protected async limitTargets(targets: RateLimitTarget[]): Promise<RateLimitResult> {
    return this.decide(targets, this.clock.now(), true);
  }

  protected async peekTargets(targets: RateLimitTarget[]): Promise<RateLimitResult> {
    return this.decide(targets, this.clock.now(), false);
  }

  protected async reconcileTargets(
    targets: RateLimitTarget[],
    checkedAt: number | undefined,
  ): Promise<RateLimitResult> {
    const now = this.clock.now();
    for (const target of targets) {
      const entry = this.entry(target, now);
      for (const { rule, cost } of target.rules) {
        const next =
          cost === 0 ? undefined : chargeRule(rule, entry.rules.get(rule.name), now, cost, checkedAt);
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

  protected async resetTargets(targets: RateLimitKeyTarget[]): Promise<void> {
    for (const target of targets) this.entries.delete(entryId(target));
  }

  protected async blockTargets(targets: RateLimitKeyTarget[], duration: number): Promise<void> {
    const now = this.clock.now();
    for (const target of targets) {
      const entry = this.entry(target, now);
      entry.blockedUntil = Math.max(entry.blockedUntil, now + duration);
      this.store(target, target.rules, entry, now);
    }
  }

  /** A read-only view of this limiter's counters. */
  inspector(): RateLimiterInspector {
    return new InMemoryRateLimiterInspector({
      name: this.name,
      limits: this.limits,
      entries: this.entries,
      now: () => this.clock.now(),
    });
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
