import { setTimeout as sleep } from 'node:timers/promises';
import { InvalidInputError, InvalidOptionsError, type RateLimitRuleInput } from '@tristack/core';
import { describeRateLimiter } from '@tristack/testing/conformance';
import { eventually } from '@tristack/testing/fleet';
import { recordingConnection, useRedis } from '@tristack/testing/redis';
import { describe, expect, it } from 'vitest';
import { RedisRateLimiter } from './redis-rate-limiter.js';

const redis = useRedis();

describeRateLimiter(`RedisRateLimiter on ${redis.server.kind}`, () => ({
  create: (options) => new RedisRateLimiter({ ...options, client: redis.client }),
  wait: (ms) => sleep(ms),
}));

const rules = [
  { name: 'rpm', scope: 'user', algorithm: 'sliding-window', limit: 60, windowMs: 60_000 },
  { name: 'tpm', scope: 'user', unit: 'tokens', algorithm: 'token-bucket', limit: 10_000, windowMs: 60_000 },
  { name: 'rpm', scope: 'tenant', algorithm: 'fixed-window', limit: 600, windowMs: 60_000 },
  { name: 'daily', scope: 'tenant', unit: 'usd', algorithm: 'fixed-window', limit: 50, windowMs: 86_400_000 },
  { name: 'rpm', scope: 'provider', algorithm: 'sliding-window', limit: 10_000, windowMs: 60_000 },
] satisfies RateLimitRuleInput[];

async function serverTimeMs(): Promise<number> {
  const [seconds, micros] = (await redis.client.sendCommand(['TIME'])) as [string, string];
  return Number(seconds) * 1000 + Number(micros) / 1000;
}

describe(`RedisRateLimiter on ${redis.server.kind}`, () => {
  it('checks 5 rules over 3 scopes in one EVALSHA per call, for limit, peek, reconcile and block', async () => {
    const connection = recordingConnection(redis.client);
    const limiter = new RedisRateLimiter({ client: connection, limits: rules });
    const key = { user: 'u1', tenant: 't1', provider: 'openai' };
    await limiter.limit(key, { cost: { tokens: 10, usd: 0.01 } });
    connection.clear();
    const first = await limiter.limit(key, { cost: { tokens: 500, usd: 0.02 } });
    expect(first.allowed).toBe(true);
    expect(first.rules).toHaveLength(5);
    expect(connection.names()).toEqual(['EVALSHA']);
    connection.clear();
    await limiter.limit(key, { cost: { usd: 100 } });
    await limiter.peek(key);
    await limiter.reconcile(key, {
      reserved: { tokens: 500 },
      actual: { tokens: 200 },
      checkedAt: first.checkedAt,
    });
    await limiter.block(key, 1_000);
    expect(connection.names()).toEqual(['EVALSHA', 'EVALSHA', 'EVALSHA', 'EVALSHA']);
  });

  it('keeps one expiring hash per scope id, under an escaped hash tag', async () => {
    const limiter = new RedisRateLimiter({ client: redis.client, limits: rules });
    await limiter.limit({ user: 'u:1 {x}', tenant: 't*1' });
    const keys = (await redis.client.keys('*')).sort();
    expect(keys).toEqual([
      'tristack:rate-limiter:{default:tenant:t%2A1}',
      'tristack:rate-limiter:{default:user:u%3A1%20%7Bx%7D}',
    ]);
    for (const key of keys) {
      expect(await redis.client.type(key)).toBe('hash');
      const ttl = await redis.client.pTTL(key);
      expect(ttl).toBeGreaterThan(0);
      // Until the longest rule of the scope stops counting (the daily budget for the tenant, a
      // minute and a segment for the user), plus up to a second the expiry is moved ahead by.
      expect(ttl).toBeLessThanOrEqual(key.includes('tenant') ? 86_401_000 : 67_000);
    }
    const named = new RedisRateLimiter({
      client: redis.client,
      prefix: 'acme',
      name: 'api',
      limits: [rules[0]!],
    });
    await named.limit({ user: 'u1' });
    expect(await redis.client.exists('acme:rate-limiter:{api:user:u1}')).toBe(1);
  });

  it('lets the hash expire once nothing in it counts', async () => {
    const limiter = new RedisRateLimiter({
      client: redis.client,
      limits: [{ name: 'r', algorithm: 'fixed-window', limit: 5, windowMs: 150, anchor: 'first-hit' }],
    });
    await limiter.limit('k');
    expect(await redis.client.dbSize()).toBe(1);
    // The window ends after 150 ms; the expiry runs one window (at most a second) past it. KEYS
    // skips expired keys (DBSIZE still counts those the server has not reclaimed yet).
    await sleep(300);
    await eventually(async () => expect(await redis.client.keys('*')).toEqual([]), 2_500);
  });

  it('takes time from the Redis server', async () => {
    const limiter = new RedisRateLimiter({ client: redis.client, limits: rules });
    const before = await serverTimeMs();
    const result = await limiter.limit({ user: 'u1' });
    const after = await serverTimeMs();
    expect(result.checkedAt).toBeGreaterThanOrEqual(Math.floor(before));
    expect(result.checkedAt).toBeLessThanOrEqual(after);
  });

  it('shares state between instances (processes) with the same name, and never across names', async () => {
    const limits = [
      { name: 'r', algorithm: 'sliding-window', limit: 3, windowMs: 60_000 },
    ] satisfies RateLimitRuleInput[];
    const first = new RedisRateLimiter({ client: redis.client, limits });
    const second = new RedisRateLimiter({ client: await redis.newClient(), limits });
    const other = new RedisRateLimiter({ client: redis.client, name: 'other', limits });
    expect((await first.limit('k')).allowed).toBe(true);
    expect((await second.limit('k')).allowed).toBe(true);
    expect((await first.limit('k')).allowed).toBe(true);
    expect((await second.limit('k')).allowed).toBe(false);
    expect((await other.limit('k')).remaining).toBe(2);
  });

  it('answers keys it knows deny every call from its own cache, without a round trip', async () => {
    const connection = recordingConnection(redis.client);
    const limiter = new RedisRateLimiter({
      client: connection,
      limits: [{ name: 'r', algorithm: 'sliding-window', limit: 2, windowMs: 60_000 }],
    });
    await limiter.limit('k');
    await limiter.limit('k');
    const denied = await limiter.limit('k');
    expect(denied.allowed).toBe(false);
    connection.clear();
    for (let call = 0; call < 5; call++) {
      const cached = await limiter.limit('k');
      expect(cached).toMatchObject({ allowed: false, reason: 'limited' });
      expect(cached.retryAfterMs).toBeGreaterThan(0);
      expect(cached.retryAfterMs).toBeLessThanOrEqual(denied.retryAfterMs);
    }
    expect(connection.names()).toEqual([]);
    // Other keys still go to Redis; peek always does; reset forgets the cached denial.
    await limiter.limit('other');
    await limiter.peek('k');
    await limiter.reset('k');
    expect((await limiter.limit('k')).allowed).toBe(true);
    expect(connection.names()).toEqual(['EVALSHA', 'EVALSHA', 'DEL', 'EVALSHA']);

    // A block is cached too, as a block.
    await limiter.block('bad', 60_000);
    expect((await limiter.limit('bad')).reason).toBe('blocked');
    connection.clear();
    expect((await limiter.limit('bad')).reason).toBe('blocked');
    expect(connection.names()).toEqual([]);
  });

  it('caches nothing for a denial that only a smaller cost would avoid, or when turned off', async () => {
    const connection = recordingConnection(redis.client);
    const limits = [
      { name: 'r', algorithm: 'sliding-window', limit: 10, windowMs: 60_000 },
    ] satisfies RateLimitRuleInput[];
    const limiter = new RedisRateLimiter({ client: connection, limits });
    await limiter.limit('k', { cost: 8 });
    expect((await limiter.limit('k', { cost: 5 })).allowed).toBe(false);
    expect((await limiter.limit('k', { cost: 2 })).allowed).toBe(true);
    const uncached = new RedisRateLimiter({ client: connection, limits, blockedKeyCache: { maxKeys: 0 } });
    connection.clear();
    for (let call = 0; call < 3; call++) expect((await uncached.limit('k')).allowed).toBe(false);
    expect(connection.names()).toEqual(['EVALSHA', 'EVALSHA', 'EVALSHA']);
  });

  it('rejects invalid driver options with InvalidOptionsError, and invalid calls write nothing', async () => {
    const limits = [rules[0]!];
    const bad: Record<string, unknown>[] = [
      { client: redis.client, limits, prefix: 'a:b' },
      { client: redis.client, limits, timeoutMs: 0 },
      { client: redis.client, limits, failurePolicy: 'maybe' },
      { client: redis.client, limits, blockedKeyCache: { maxKeys: -1 } },
      { client: redis.client, limits, cluster: 'yes' },
      { limits },
    ];
    for (const options of bad) {
      expect(() => new RedisRateLimiter(options as never), JSON.stringify(Object.keys(options))).toThrow(
        InvalidOptionsError,
      );
    }
    const limiter = new RedisRateLimiter({ client: redis.client, limits });
    await expect(limiter.limit({ user: 'u1' }, { cost: -3 })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(limiter.block({ user: 'u1' }, -1)).rejects.toBeInstanceOf(InvalidInputError);
    expect(await redis.client.dbSize()).toBe(0);
  });
});
