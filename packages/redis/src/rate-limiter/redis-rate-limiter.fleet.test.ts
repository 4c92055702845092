import type { RateLimitCost, RateLimitRuleInput } from '@tristack/core';
import { uniqueId, useRedis } from '@tristack/testing/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, totalCalls, totalCharged, type Fleet } from './redis-rate-limiter.fleet-support.js';
import { RedisRateLimiter } from './redis-rate-limiter.js';

const redis = useRedis();
const PROCESSES = 8;
/** Long enough that a token bucket refills nothing measurable during a test. */
const FOREVER = 400 * 86_400_000;

describe(`RedisRateLimiter under a fleet of ${PROCESSES} processes (${redis.server.kind})`, () => {
  let fleet: Fleet | undefined;
  beforeAll(async () => {
    fleet = await startFleet(PROCESSES, [redis.url, String(redis.database)]);
  }, 120_000);
  afterAll(async () => {
    await fleet?.close();
  });

  const hotKeyRules: Record<string, RateLimitRuleInput> = {
    'sliding-window': { name: 'rpm', algorithm: 'sliding-window', limit: 1000, windowMs: 60_000 },
    'fixed-window': {
      name: 'rpm',
      algorithm: 'fixed-window',
      limit: 1000,
      windowMs: 60_000,
      anchor: 'first-hit',
    },
    'token-bucket': { name: 'rpm', algorithm: 'token-bucket', limit: 1000, windowMs: FOREVER },
  };

  it.each(Object.keys(hotKeyRules))(
    '%s: 8 processes x 250 calls on one key, limit 1,000 per window: exactly 1,000 admitted',
    async (algorithm) => {
      const limiter = { name: uniqueId('hot'), limits: [hotKeyRules[algorithm]!] };
      const reports = await fleet!.run({
        id: algorithm,
        limiter,
        keys: ['hot'],
        calls: 250,
        concurrency: 8,
        costs: [null],
      });
      expect(reports).toHaveLength(PROCESSES);
      expect(totalCalls(reports)).toBe(1000);
      expect(reports.reduce((sum, report) => sum + report.denied, 0)).toBe(1000);
      // Every process got some: they really ran side by side.
      expect(reports.filter((report) => totalCalls([report]) > 0).length).toBeGreaterThan(1);
      const state = await new RedisRateLimiter({ ...limiter, client: redis.client }).peek('hot');
      expect(state.allowed).toBe(false);
      expect(Math.floor(state.remaining)).toBe(0);
    },
    60_000,
  );

  it('RPM + TPM + a dollar budget together: no limit is passed and every admitted call was charged to all three', async () => {
    const limiter = {
      name: uniqueId('multi'),
      limits: [
        { name: 'rpm', algorithm: 'sliding-window', limit: 1000, windowMs: 60_000 },
        { name: 'tpm', unit: 'tokens', algorithm: 'token-bucket', limit: 30_000, windowMs: FOREVER },
        {
          name: 'budget',
          unit: 'usd',
          algorithm: 'fixed-window',
          limit: 400,
          windowMs: 86_400_000,
          anchor: 'first-hit',
        },
      ] satisfies RateLimitRuleInput[],
    };
    const costs: RateLimitCost[] = Array.from({ length: 37 }, (_, index) => ({
      tokens: 10 + ((index * 37) % 90),
      usd: 0.25 * (1 + (index % 8)),
    }));
    const reports = await fleet!.run({
      id: 'multi',
      limiter,
      keys: ['tenant'],
      calls: 250,
      concurrency: 8,
      costs,
    });
    const calls = totalCalls(reports);
    const tokens = totalCharged(reports, 'default/tokens');
    const usd = totalCharged(reports, 'default/usd');
    expect(calls).toBeGreaterThan(0);
    expect(calls).toBeLessThanOrEqual(1000);
    expect(tokens).toBeLessThanOrEqual(30_000);
    expect(usd).toBeLessThanOrEqual(400);
    expect(totalCharged(reports, 'default/requests')).toBe(calls);
    // Demand (2,000 calls, ~2,250 usd) exceeds the budget: it is the limit that bound.
    expect(usd).toBeGreaterThan(400 - 2);
    // What the store holds is exactly what the admitted calls were charged: nothing partial.
    const state = await new RedisRateLimiter({ ...limiter, client: redis.client }).peek('tenant', {
      cost: { requests: 0 },
    });
    const remaining = Object.fromEntries(state.rules.map((rule) => [rule.rule, rule.remaining]));
    expect(remaining.rpm).toBe(1000 - calls);
    expect(remaining.tpm).toBeCloseTo(30_000 - tokens, 1);
    expect(remaining.budget).toBe(400 - usd);
  }, 60_000);

  it('weighted cost: the admitted cost never passes the budget and fills it exactly when demand exceeds it', async () => {
    const limiter = {
      name: uniqueId('cost'),
      limits: [
        { name: 'budget', unit: 'usd', algorithm: 'sliding-window', limit: 500, windowMs: 3_600_000 },
      ] satisfies RateLimitRuleInput[],
    };
    const costs = Array.from({ length: 20 }, (_, index) => 0.25 * (1 + index));
    const reports = await fleet!.run({
      id: 'cost',
      limiter,
      keys: ['tenant'],
      calls: 100,
      concurrency: 4,
      costs,
      fillWith: 0.25,
    });
    expect(totalCharged(reports, 'default/usd')).toBe(500);
    const state = await new RedisRateLimiter({ ...limiter, client: redis.client }).peek('tenant', {
      cost: 0.25,
    });
    expect(state.allowed).toBe(false);
    expect(state.remaining).toBe(0);
  }, 60_000);
});
