import { useRedis } from '@tristack/testing/redis';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RedisRateLimiter } from './redis-rate-limiter.js';

const redis = useRedis();

describe('RedisRateLimiter on an ioredis client', () => {
  let client: Redis;
  beforeEach(async () => {
    const { hostname, port } = new URL(redis.url);
    client = new Redis({ host: hostname, port: Number(port), db: redis.database, lazyConnect: true });
    await client.connect();
  });
  afterEach(async () => {
    await client.quit();
  });

  it('limits, peeks, reconciles, blocks and resets like on node-redis', async () => {
    const limiter = new RedisRateLimiter({
      client,
      limits: [
        { name: 'rpm', algorithm: 'sliding-window', limit: 3, windowMs: 60_000 },
        { name: 'tpm', unit: 'tokens', algorithm: 'token-bucket', limit: 1000, windowMs: 60_000 },
      ],
    });
    const first = await limiter.limit('u1', { cost: { tokens: 400 } });
    expect(first).toMatchObject({ allowed: true });
    expect(first.rules.map((rule) => [rule.rule, rule.charged])).toEqual([
      ['rpm', 1],
      ['tpm', 400],
    ]);
    expect(await limiter.limit('u1', { cost: { tokens: 700 } })).toMatchObject({
      allowed: false,
      rule: 'tpm',
      reason: 'limited',
    });
    await limiter.reconcile('u1', { reserved: { tokens: 400 }, actual: { tokens: 100 } });
    expect((await limiter.peek('u1', { cost: { tokens: 700 } })).allowed).toBe(true);
    // The state lives in node-redis' view of the same database: one hash.
    expect(await redis.client.keys('*')).toHaveLength(1);
    await limiter.block('u1', 60_000);
    expect(await limiter.limit('u1')).toMatchObject({ allowed: false, reason: 'blocked' });
    await limiter.reset('u1');
    expect(await redis.client.keys('*')).toHaveLength(0);
  });

  it('reloads its script after SCRIPT FLUSH (NOSCRIPT, then EVAL)', async () => {
    const limiter = new RedisRateLimiter({
      client,
      limits: [{ name: 'rpm', algorithm: 'fixed-window', anchor: 'first-hit', limit: 2, windowMs: 60_000 }],
    });
    expect((await limiter.limit('u2')).remaining).toBe(1);
    await client.call('SCRIPT', 'FLUSH');
    expect((await limiter.limit('u2')).remaining).toBe(0);
    expect((await limiter.limit('u2')).allowed).toBe(false);
  });

  it('answers with the failure policy when ioredis cannot reach the server', async () => {
    const unreachable = new Redis({
      port: 1,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
    });
    unreachable.on('error', () => {});
    const limiter = new RedisRateLimiter({
      client: unreachable,
      limits: [{ name: 'rpm', algorithm: 'fixed-window', anchor: 'first-hit', limit: 2, windowMs: 60_000 }],
      failurePolicy: 'fail-open',
      timeoutMs: 200,
    });
    expect(await limiter.limit('u3')).toMatchObject({ allowed: true, reason: 'store-unavailable' });
    unreachable.disconnect();
  });
});
