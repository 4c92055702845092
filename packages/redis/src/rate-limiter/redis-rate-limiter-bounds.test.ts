import { InvalidInputError, InvalidOptionsError, type RateLimitRuleInput } from '@tristack/core';
import { MAX_RATE_LIMIT_HORIZON_MS } from '@tristack/core/driver-kit';
import { expectRejectedWithoutWrites, useRedis } from '@tristack/testing/redis';
import { describe, expect, it } from 'vitest';
import { RedisRateLimiter } from './redis-rate-limiter.js';

const redis = useRedis();

/** One unit per 400 days: every unit of debt pushes the bucket's TAT 3.456e10 ms ahead. */
const slowBucket = {
  name: 'slow',
  algorithm: 'token-bucket',
  limit: 1,
  windowMs: 400 * 86_400_000,
} satisfies RateLimitRuleInput;

const everyAlgorithm = [
  slowBucket,
  { name: 'sliding', algorithm: 'sliding-window', limit: 10, windowMs: 60_000 },
  { name: 'fixed', algorithm: 'fixed-window', limit: 10, windowMs: 60_000 },
] satisfies RateLimitRuleInput[];

const hostileNumbers = [Number.NaN, Infinity, -Infinity, 1e308, -1, 2 ** 53];

describe('RedisRateLimiter bounds: a typed error and nothing written', () => {
  it('rejects a reconcile whose debt would push a slow bucket past the horizon (was: HSET, then PEXPIRE failed)', async () => {
    const limiter = new RedisRateLimiter({ client: redis.client, limits: [slowBucket] });
    await limiter.limit('victim');
    await expectRejectedWithoutWrites(
      redis.client,
      () => limiter.reconcile('victim', { reserved: 0, actual: 1e9 }),
      InvalidInputError,
    );
    // The key still expires, and the user is admitted again once the bucket refills.
    const [key] = await redis.client.keys('*');
    expect(await redis.client.pTTL(key!)).toBeGreaterThan(0);
  });

  it('rejects a limit too small to keep a unit of cost within the horizon (limit: 1e-9)', () => {
    for (const algorithm of ['token-bucket', 'sliding-window', 'fixed-window'] as const)
      expect(
        () =>
          new RedisRateLimiter({
            client: redis.client,
            limits: [{ name: 'r', algorithm, limit: 1e-9, windowMs: 60_000 }],
          }),
      ).toThrow(InvalidOptionsError);
  });

  it('rejects a bucket whose burst takes longer than the horizon to refill', () => {
    expect(
      () =>
        new RedisRateLimiter({
          client: redis.client,
          limits: [{ ...slowBucket, burst: 1e15 }],
        }),
    ).toThrow(InvalidOptionsError);
  });

  it.each(hostileNumbers)('rejects %s as limit, windowMs or burst', (value) => {
    for (const field of ['limit', 'windowMs', 'burst'] as const)
      expect(
        () => new RedisRateLimiter({ client: redis.client, limits: [{ ...slowBucket, [field]: value }] }),
      ).toThrow(InvalidOptionsError);
  });

  it.each(hostileNumbers)(
    'rejects %s as a cost, reserved, actual, checkedAt or block duration',
    async (value) => {
      const limiter = new RedisRateLimiter({ client: redis.client, limits: everyAlgorithm });
      await limiter.limit('k');
      const calls: (() => Promise<unknown>)[] = [
        () => limiter.limit('k', { cost: value }),
        () => limiter.limit('k', { cost: { requests: value } }),
        () => limiter.peek('k', { cost: value }),
        () => limiter.reconcile('k', { reserved: value, actual: 1 }),
        () => limiter.reconcile('k', { reserved: 1, actual: value }),
        () => limiter.reconcile('k', { reserved: { requests: 1 }, actual: { requests: value } }),
        () => limiter.reconcile('k', { reserved: 1, actual: 0, checkedAt: value }),
        () => limiter.block('k', value),
      ];
      for (const call of calls) await expectRejectedWithoutWrites(redis.client, call, InvalidInputError);
    },
  );
});

describe('RedisRateLimiter script: never writes and then fails', () => {
  it('saturates a token bucket TAT stored past the horizon instead of failing at PEXPIRE', async () => {
    const limiter = new RedisRateLimiter({ client: redis.client, limits: [slowBucket] });
    await limiter.limit('victim');
    const [key] = await redis.client.keys('*');
    // The state an earlier release left behind: a TAT of 3.456e19, no TTL.
    await redis.client.hSet(key!, 'slow:tat', '3.456e19');
    await redis.client.persist(key!);
    const result = await limiter.reconcile('victim', { reserved: 1, actual: 0 });
    expect(result.rules[0]!.resetAt).toBeLessThanOrEqual(result.checkedAt + MAX_RATE_LIMIT_HORIZON_MS + 1);
    const ttl = await redis.client.pTTL(key!);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(MAX_RATE_LIMIT_HORIZON_MS + 2_000);
    expect(Number(await redis.client.hGet(key!, 'slow:tat'))).toBeLessThanOrEqual(
      Date.now() + MAX_RATE_LIMIT_HORIZON_MS + 2_000,
    );
  });

  it('keeps many reconciles within the horizon: each is accepted, the debt saturates', async () => {
    const limiter = new RedisRateLimiter({ client: redis.client, limits: [slowBucket] });
    const largest = Math.floor(MAX_RATE_LIMIT_HORIZON_MS / slowBucket.windowMs);
    for (let call = 0; call < 3; call++) await limiter.reconcile('victim', { reserved: 0, actual: largest });
    const [key] = await redis.client.keys('*');
    const ttl = await redis.client.pTTL(key!);
    expect(ttl).toBeGreaterThan(MAX_RATE_LIMIT_HORIZON_MS / 2);
    expect(ttl).toBeLessThanOrEqual(MAX_RATE_LIMIT_HORIZON_MS + 2_000);
    expect((await limiter.peek('victim')).allowed).toBe(false);
  });
});
