import {
  InvalidInputError,
  InvalidOptionsError,
  type RateLimiter,
  type RateLimiterOptions,
  type RateLimitResult,
  type RateLimitRuleInput,
  type RateLimiterInspector,
} from '@tristack/core';
import { describe, expect, it } from 'vitest';
import { inspectorOf } from './inspector-of.js';

export interface RateLimiterConformanceContext {
  /** Creates a limiter on a fresh store (or a fresh name in a shared one). May throw `InvalidOptionsError`. */
  create(options: RateLimiterOptions): RateLimiter | Promise<RateLimiter>;
  /** Lets `ms` of the store's time pass: advance a ManualClock, or sleep when the store keeps real time. */
  wait(ms: number): Promise<void>;
}

const MINUTE = 60_000;

/**
 * A rule named `r`, 3 per minute unless overridden. Fixed windows start at the first hit: an
 * epoch-aligned window could roll over in the middle of a test on real time.
 */
function rule(
  overrides: Partial<Record<string, unknown>> & Pick<RateLimitRuleInput, 'algorithm'>,
): RateLimitRuleInput {
  const anchor = overrides.algorithm === 'fixed-window' ? { anchor: 'first-hit' } : {};
  return { name: 'r', limit: 3, windowMs: MINUTE, ...anchor, ...overrides } as RateLimitRuleInput;
}

function ruleOf(result: RateLimitResult, name: string, scope = 'default') {
  const found = result.rules.find((each) => each.rule === name && each.scope === scope);
  if (!found) throw new Error(`no rule ${scope}/${name} in result`);
  return found;
}

async function admitted(limiter: RateLimiter, key: string, calls: number): Promise<number> {
  let count = 0;
  for (let call = 0; call < calls; call++) if ((await limiter.limit(key)).allowed) count++;
  return count;
}

/**
 * The behaviour every `RateLimiter` driver must have: allow then deny for each algorithm, sliding
 * without a boundary burst, burst and refill, weighted and fractional cost, all-or-nothing across
 * rules and scopes, reconcile, peek, reset, block, and validation that writes nothing.
 *
 * Windows are chosen so the suite also holds for drivers on real server time (`wait` sleeps): what
 * must still be denied has at least half a window of slack.
 */
export function describeRateLimiter(
  name: string,
  setup: () => RateLimiterConformanceContext | Promise<RateLimiterConformanceContext>,
): void {
  describe(`RateLimiter conformance: ${name}`, () => {
    describe.each(['sliding-window', 'fixed-window', 'token-bucket'] as const)('%s', (algorithm) => {
      it('allows up to the limit, then denies with a retry time (a result, not an exception)', async () => {
        const context = await setup();
        const limiter = await context.create({ limits: [rule({ algorithm })] });
        const results = [];
        for (let call = 0; call < 4; call++) results.push(await limiter.limit('user-1'));
        expect(results.map((result) => result.allowed)).toEqual([true, true, true, false]);
        // Token buckets refill continuously: a few ms of real time add a sliver of room.
        expect(results.map((result) => Math.floor(result.remaining))).toEqual([2, 1, 0, 0]);
        const denied = results[3]!;
        expect(denied.reason).toBe('limited');
        expect(denied.limit).toBe(3);
        expect(denied.rule).toBe('r');
        expect(denied.retryAfterMs).toBeGreaterThan(0);
        expect(denied.retryAfterMs).toBeLessThanOrEqual(MINUTE + MINUTE / 10);
        expect(denied.resetAt).toBeGreaterThan(denied.checkedAt);
        expect(ruleOf(denied, 'r').charged).toBe(0);
        expect(results[0]!.retryAfterMs).toBe(0);
        expect(results[0]!.reason).toBeUndefined();
        // Other keys are untouched, including ones that differ only by characters keys escape.
        expect((await limiter.limit('user-1:x')).allowed).toBe(true);
        expect((await limiter.limit('user-{1}*')).allowed).toBe(true);
      });

      it('charges a weighted cost, admits exactly up to the limit and refuses a cost that never fits', async () => {
        const context = await setup();
        const limiter = await context.create({
          limits: [rule({ algorithm, limit: 10, unit: 'tokens' })],
        });
        const first = await limiter.limit('k', { cost: 4 });
        expect(first.allowed).toBe(true);
        expect(ruleOf(first, 'r').charged).toBe(4);
        expect(Math.floor(first.remaining)).toBe(6);
        expect((await limiter.limit('k', { cost: 7 })).allowed).toBe(false);
        expect((await limiter.limit('k', { cost: { tokens: 6 } })).allowed).toBe(true);
        const full = await limiter.limit('k', { cost: 0.5 });
        expect(full.allowed).toBe(false);
        expect(full.reason).toBe('limited');
        const huge = await limiter.limit('other', { cost: 11 });
        expect(huge.allowed).toBe(false);
        expect(huge.reason).toBe('cost-exceeds-limit');
        expect(huge.retryAfterMs).toBe(Infinity);
        expect(Math.floor((await limiter.peek('other')).remaining)).toBe(10);
      });

      it('adds fractional costs without drift: ten 0.1s fill a limit of 1 exactly', async () => {
        const context = await setup();
        const limiter = await context.create({
          limits: [rule({ algorithm, limit: 1, windowMs: 10 * MINUTE })],
        });
        const results = [];
        for (let call = 0; call < 11; call++) results.push((await limiter.limit('k', { cost: 0.1 })).allowed);
        expect(results).toEqual([...Array(10).fill(true), false]);
      });

      it('reconciles: refunds an over-estimate and charges an under-estimate, even past the limit', async () => {
        const context = await setup();
        const limiter = await context.create({
          limits: [rule({ algorithm, limit: 1000, unit: 'tokens' })],
        });
        const reserved = await limiter.limit('k', { cost: { tokens: 800 } });
        expect(reserved.allowed).toBe(true);
        expect(Math.floor(reserved.remaining)).toBe(200);
        const refunded = await limiter.reconcile('k', {
          reserved: { tokens: 800 },
          actual: { tokens: 300 },
          checkedAt: reserved.checkedAt,
        });
        expect(refunded.remaining).toBeGreaterThanOrEqual(700);
        expect(refunded.remaining).toBeLessThan(702);
        expect((await limiter.limit('k', { cost: { tokens: 650 } })).allowed).toBe(true);
        // The call used far more than reserved: the extra is charged although it passes the limit.
        const charged = await limiter.reconcile('k', { reserved: 50, actual: 400 });
        expect(charged.remaining).toBe(0);
        expect(charged.allowed).toBe(false);
        expect((await limiter.limit('k', { cost: 1 })).allowed).toBe(false);
      });
    });

    it('sliding window: no burst at a boundary; room comes back one window after the costs', async () => {
      const context = await setup();
      const windowMs = 1_000;
      const limiter = await context.create({
        limits: [{ name: 'r', algorithm: 'sliding-window', limit: 4, windowMs, segments: 4 }],
      });
      expect(await admitted(limiter, 'k', 5)).toBe(4);
      await context.wait(windowMs / 2);
      // A fixed window could have rolled over by now; the sliding window still counts all four.
      expect((await limiter.limit('k')).allowed).toBe(false);
      await context.wait(windowMs / 2 + windowMs / 4 + 50);
      const back = await limiter.peek('k');
      expect(back.allowed).toBe(true);
      expect(back.remaining).toBe(4);
      expect(await admitted(limiter, 'k', 5)).toBe(4);
    });

    it('fixed window anchored at the first hit: a fresh window admits the full limit again', async () => {
      const context = await setup();
      const windowMs = 800;
      const limiter = await context.create({
        limits: [{ name: 'r', algorithm: 'fixed-window', limit: 3, windowMs, anchor: 'first-hit' }],
      });
      const first = await limiter.limit('k');
      expect(first.resetAt - first.checkedAt).toBeGreaterThan(windowMs / 2);
      expect(first.resetAt - first.checkedAt).toBeLessThanOrEqual(windowMs + 1);
      expect(await admitted(limiter, 'k', 3)).toBe(2);
      await context.wait(windowMs + 50);
      expect(await admitted(limiter, 'k', 4)).toBe(3);
    });

    it('fixed window anchored at the epoch: windows end on multiples of the window', async () => {
      const context = await setup();
      const limiter = await context.create({
        limits: [{ name: 'day', algorithm: 'fixed-window', limit: 5, windowMs: 86_400_000 }],
      });
      const result = await limiter.limit('k');
      expect(result.resetAt % 86_400_000).toBe(0);
      expect(result.resetAt).toBeGreaterThan(result.checkedAt);
      expect(result.resetAt - result.checkedAt).toBeLessThanOrEqual(86_400_000);
    });

    it('token bucket: a burst up to the capacity, then the steady rate', async () => {
      const context = await setup();
      // Refills 1 every 500 ms, holds up to 4.
      const limiter = await context.create({
        limits: [{ name: 'r', algorithm: 'token-bucket', limit: 2, windowMs: 1_000, burst: 4 }],
      });
      expect(await admitted(limiter, 'k', 5)).toBe(4);
      const denied = await limiter.peek('k');
      expect(denied.allowed).toBe(false);
      expect(denied.limit).toBe(4);
      expect(denied.retryAfterMs).toBeGreaterThan(0);
      expect(denied.retryAfterMs).toBeLessThanOrEqual(500);
      await context.wait(1_000);
      expect(await admitted(limiter, 'k', 3)).toBe(2);
    });

    it('several rules are all-or-nothing: a call one rule denies charges none', async () => {
      const context = await setup();
      const limiter = await context.create({
        limits: [
          { name: 'rpm', algorithm: 'sliding-window', limit: 5, windowMs: MINUTE },
          { name: 'tpm', unit: 'tokens', algorithm: 'token-bucket', limit: 1000, windowMs: 10 * MINUTE },
          {
            name: 'daily',
            unit: 'usd',
            algorithm: 'fixed-window',
            anchor: 'first-hit',
            limit: 2,
            windowMs: 86_400_000,
          },
        ],
      });
      const first = await limiter.limit('tenant', { cost: { tokens: 600, usd: 0.5 } });
      expect(first.allowed).toBe(true);
      expect(first.rules.map((each) => each.charged)).toEqual([1, 600, 0.5]);
      const tooManyTokens = await limiter.limit('tenant', { cost: { tokens: 600, usd: 0.5 } });
      expect(tooManyTokens.allowed).toBe(false);
      expect(tooManyTokens.rule).toBe('tpm');
      expect(tooManyTokens.rules.map((each) => each.charged)).toEqual([0, 0, 0]);
      const state = await limiter.peek('tenant', { cost: { usd: 0 } });
      expect(ruleOf(state, 'rpm').remaining).toBe(4);
      expect(ruleOf(state, 'daily').remaining).toBe(1.5);
      const overBudget = await limiter.limit('tenant', { cost: { tokens: 10, usd: 1.6 } });
      expect(overBudget.rule).toBe('daily');
      expect(overBudget.allowed).toBe(false);
      expect((await limiter.limit('tenant', { cost: { tokens: 400, usd: 1.5 } })).allowed).toBe(true);
      // Budget spent exactly: even a call costing no dollars is refused now.
      const spent = await limiter.limit('tenant', { cost: { tokens: 0 } });
      expect(spent.allowed).toBe(false);
      expect(spent.rule).toBe('daily');
      expect(ruleOf(await limiter.peek('tenant', { cost: { usd: 0 } }), 'rpm').remaining).toBe(3);
    });

    it('checks every scope of a call together: user, tenant and provider quotas', async () => {
      const context = await setup();
      const limiter = await context.create({
        limits: [
          { name: 'rpm', scope: 'user', algorithm: 'sliding-window', limit: 10, windowMs: MINUTE },
          { name: 'rpm', scope: 'tenant', algorithm: 'sliding-window', limit: 3, windowMs: MINUTE },
          {
            name: 'rpm',
            scope: 'provider',
            algorithm: 'fixed-window',
            anchor: 'first-hit',
            limit: 100,
            windowMs: MINUTE,
          },
        ],
      });
      const call = (user: string) => limiter.limit({ user, tenant: 't1', provider: 'openai' });
      expect((await call('u1')).allowed).toBe(true);
      expect((await call('u1')).allowed).toBe(true);
      expect((await call('u2')).allowed).toBe(true);
      const denied = await call('u2');
      expect(denied.allowed).toBe(false);
      expect(denied.scope).toBe('tenant');
      expect(denied.rules.map((each) => `${each.scope}:${each.key}`)).toEqual([
        'provider:openai',
        'tenant:t1',
        'user:u2',
      ]);
      // The denied call charged neither u2 nor the provider.
      const state = await limiter.peek({ user: 'u2', provider: 'openai' });
      expect(ruleOf(state, 'rpm', 'user').remaining).toBe(9);
      expect(ruleOf(state, 'rpm', 'provider').remaining).toBe(97);
      // Another tenant's users are unaffected; a scope can be checked alone.
      expect((await limiter.limit({ user: 'u2', tenant: 't2' })).allowed).toBe(true);
      expect(
        (await limiter.limit({ tenant: 't1' })).allowed,
        'tenant t1 is exhausted whichever user asks',
      ).toBe(false);
    });

    it('peek charges nothing and answers for a given cost', async () => {
      const context = await setup();
      const limiter = await context.create({ limits: [rule({ algorithm: 'sliding-window', limit: 5 })] });
      await limiter.limit('k', { cost: 3 });
      for (let call = 0; call < 3; call++) expect((await limiter.peek('k', { cost: 2 })).allowed).toBe(true);
      const tooBig = await limiter.peek('k', { cost: 3 });
      expect(tooBig.allowed).toBe(false);
      expect(tooBig.remaining).toBe(2);
      expect(ruleOf(tooBig, 'r').charged).toBe(0);
    });

    it('reset forgets usage and blocks of that key only', async () => {
      const context = await setup();
      const limiter = await context.create({
        limits: [
          rule({ algorithm: 'sliding-window', limit: 2 }),
          { name: 'b', algorithm: 'token-bucket', limit: 2, windowMs: MINUTE },
        ],
      });
      await admitted(limiter, 'a', 3);
      await admitted(limiter, 'b', 3);
      await limiter.block('a', MINUTE);
      expect((await limiter.limit('a')).allowed).toBe(false);
      await limiter.reset('a');
      const after = await limiter.limit('a');
      expect(after.allowed).toBe(true);
      expect(Math.floor(after.remaining)).toBe(1);
      expect((await limiter.limit('b')).allowed).toBe(false);
    });

    it('block denies every call for the duration, whatever the rules say, and charges nothing', async () => {
      const context = await setup();
      const limiter = await context.create({
        limits: [
          rule({ algorithm: 'sliding-window', limit: 100 }),
          { name: 'u', scope: 'user', algorithm: 'sliding-window', limit: 100, windowMs: MINUTE },
        ],
      });
      await limiter.block('abuser', 400);
      const denied = await limiter.limit('abuser');
      expect(denied.allowed).toBe(false);
      expect(denied.reason).toBe('blocked');
      expect(denied.retryAfterMs).toBeGreaterThan(0);
      expect(denied.retryAfterMs).toBeLessThanOrEqual(400);
      expect((await limiter.peek('abuser')).reason).toBe('blocked');
      expect((await limiter.limit('someone-else')).allowed).toBe(true);
      // A blocked scope denies a call that names it among others, and charges the others nothing.
      await limiter.block({ user: 'u-bad' }, 400);
      expect((await limiter.limit({ default: 'fine', user: 'u-bad' })).reason).toBe('blocked');
      expect((await limiter.peek('fine')).remaining).toBe(100);
      await context.wait(450);
      const after = await limiter.limit('abuser');
      expect(after.allowed).toBe(true);
      expect(after.remaining).toBe(99);
    });

    it('rejects invalid keys, costs and durations with InvalidInputError and writes nothing', async () => {
      const context = await setup();
      const limiter = await context.create({ limits: [rule({ algorithm: 'sliding-window', limit: 2 })] });
      const invalid: [string, () => Promise<unknown>][] = [
        ['empty key', () => limiter.limit('')],
        ['control character', () => limiter.limit('a\u0000b')],
        ['too long', () => limiter.limit('x'.repeat(300))],
        ['unknown scope', () => limiter.limit({ tenant: 'k' })],
        ['empty key record', () => limiter.limit({})],
        ['zero cost', () => limiter.limit('k', { cost: 0 })],
        ['negative cost', () => limiter.limit('k', { cost: -1 })],
        ['NaN cost', () => limiter.limit('k', { cost: Number.NaN })],
        ['infinite cost', () => limiter.limit('k', { cost: Infinity })],
        ['unknown unit', () => limiter.limit('k', { cost: { tokenz: 5 } })],
        ['string cost', () => limiter.limit('k', { cost: '5' as never })],
        ['bad reconcile', () => limiter.reconcile('k', { reserved: -5, actual: 1 })],
        ['zero block', () => limiter.block('k', 0)],
        ['fractional block', () => limiter.block('k', 1.5)],
        ['reset of a bad key', () => limiter.reset('')],
      ];
      for (const [label, call] of invalid) {
        await expect(call(), label).rejects.toBeInstanceOf(InvalidInputError);
      }
      expect((await limiter.peek('k')).remaining).toBe(2);
    });

    it('rejects invalid rules at construction with InvalidOptionsError', async () => {
      const context = await setup();
      const bad: [string, RateLimiterOptions][] = [
        ['no rules', { limits: [] }],
        ['zero limit', { limits: [rule({ algorithm: 'sliding-window', limit: 0 })] }],
        ['zero window', { limits: [rule({ algorithm: 'fixed-window', windowMs: 0 })] }],
        ['unknown algorithm', { limits: [rule({ algorithm: 'leaky' as never })] }],
        ['bad rule name', { limits: [rule({ algorithm: 'sliding-window', name: 'a b' })] }],
        [
          'duplicate rule',
          { limits: [rule({ algorithm: 'sliding-window' }), rule({ algorithm: 'fixed-window' })] },
        ],
        [
          'more segments than ms',
          { limits: [rule({ algorithm: 'sliding-window', windowMs: 5, segments: 10 })] },
        ],
        ['negative burst', { limits: [rule({ algorithm: 'token-bucket', burst: -1 })] }],
      ];
      for (const [label, options] of bad) {
        await expect(
          Promise.resolve().then(() => context.create(options)),
          label,
        ).rejects.toBeInstanceOf(InvalidOptionsError);
      }
      const same = await context.create({
        limits: [rule({ algorithm: 'sliding-window' }), rule({ algorithm: 'fixed-window', scope: 'tenant' })],
      });
      expect(same.limits.map((each) => `${each.scope}/${each.name}`)).toEqual(['default/r', 'tenant/r']);
    });

    it('inspector: reports what a key used per scope and rule, its block, and no other key', async () => {
      const context = await setup();
      const limiter = await context.create({
        limits: [
          rule({ algorithm: 'fixed-window', name: 'calls', limit: 10 }),
          rule({ algorithm: 'token-bucket', name: 'bucket', limit: 10 }),
          rule({ algorithm: 'sliding-window', name: 'slide', scope: 'tenant', limit: 10 }),
        ],
      });
      for (let call = 0; call < 3; call++) await limiter.limit({ default: 'alice', tenant: 'alice' });
      await limiter.limit('bob');
      await limiter.block('alice', MINUTE);
      const inspector = inspectorOf<RateLimiterInspector>(limiter, 'RateLimiter');
      const inspection = await inspector.inspectKey('alice');
      expect(inspection).toMatchObject({ undecodable: [], truncated: false });
      expect(inspection.found.map((entry) => [entry.scope, entry.id])).toEqual([
        ['default', 'alice'],
        ['tenant', 'alice'],
      ]);
      const [own, tenant] = inspection.found;
      expect(own!.blockedUntil).toBeGreaterThan(inspection.checkedAt + MINUTE / 2);
      expect(tenant!.blockedUntil).toBeUndefined();
      expect(own!.expiresInMs).toBeGreaterThan(0);
      expect(own!.rules.map((each) => [each.rule, each.algorithm])).toEqual([
        ['bucket', 'token-bucket'],
        ['calls', 'fixed-window'],
      ]);
      const [bucket, calls] = own!.rules;
      expect(calls).toMatchObject({ used: 3, limit: 10, remaining: 7 });
      expect(calls!.windowStart).toBeLessThanOrEqual(inspection.checkedAt);
      expect(bucket!.fullAt).toBeGreaterThan(inspection.checkedAt);
      expect(bucket!.remaining).toBeGreaterThanOrEqual(7);
      expect(bucket!.remaining).toBeLessThan(8);
      expect(tenant!.rules).toMatchObject([
        { rule: 'slide', algorithm: 'sliding-window', used: 3, remaining: 7 },
      ]);
      const scoped = await inspector.inspectKey('alice', { scope: 'tenant' });
      expect(scoped.found.map((entry) => entry.scope)).toEqual(['tenant']);
      expect((await inspector.inspectKey('carol')).found).toEqual([]);
      await expect(inspector.inspectKey('')).rejects.toBeInstanceOf(InvalidInputError);
    });
  });
}
