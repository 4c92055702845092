import { setTimeout as sleep } from 'node:timers/promises';
import type { RateLimitRuleInput } from '@tristack/core';
import { describeRateLimiter } from '@tristack/testing/conformance';
import { useRedisCluster } from '@tristack/testing/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, totalCalls, type Fleet } from './redis-rate-limiter.fleet-support.js';
import { RedisRateLimiter } from './redis-rate-limiter.js';

const redis = useRedisCluster();

// Every call naming several scopes crosses slots here: each key is charged on its own shard and
// refunded when another denies. The suite's all-or-nothing cases hold on that path too.
describeRateLimiter('RedisRateLimiter on a 3-master cluster', () => ({
  create: (options) => new RedisRateLimiter({ ...options, client: redis.cluster, prefix: redis.prefix }),
  wait: (ms) => sleep(ms),
}));

const PROCESSES = 8;
const quotas = [
  { name: 'rpm', scope: 'user', algorithm: 'sliding-window', limit: 40, windowMs: 60_000 },
  {
    name: 'rpm',
    scope: 'tenant',
    algorithm: 'fixed-window',
    limit: 300,
    windowMs: 60_000,
    anchor: 'first-hit',
  },
  { name: 'rpm', scope: 'provider', algorithm: 'sliding-window', limit: 500, windowMs: 60_000 },
] satisfies RateLimitRuleInput[];

describe(`RedisRateLimiter on a cluster under a fleet of ${PROCESSES} processes`, () => {
  let fleet: Fleet | undefined;
  beforeAll(async () => {
    fleet = await startFleet(PROCESSES, ['--cluster', redis.urls.join(',')]);
  }, 120_000);
  afterAll(async () => {
    await fleet?.close();
  });

  it('user, tenant and provider quotas on different shards: none is over-admitted and no refund leaks', async () => {
    const users = Array.from({ length: 20 }, (_, index) => `u${index}`);
    const keys = users.map((user, index) => ({ user, tenant: `t${index % 2}`, provider: 'openai' }));
    const limiter = { prefix: redis.prefix, limits: quotas };
    const reports = await fleet!.run({
      id: 'quotas',
      limiter,
      keys,
      calls: 150,
      concurrency: 6,
      costs: [null],
    });
    const admittedFor = (match: (key: { user: string; tenant: string }) => boolean) =>
      totalCalls(reports, (key) => match(JSON.parse(key) as { user: string; tenant: string }));
    const total = admittedFor(() => true);
    expect(total).toBeGreaterThan(0);
    expect(total).toBeLessThanOrEqual(500);
    for (const tenant of ['t0', 't1'])
      expect(admittedFor((key) => key.tenant === tenant)).toBeLessThanOrEqual(300);
    for (const user of users) expect(admittedFor((key) => key.user === user)).toBeLessThanOrEqual(40);

    // Every reservation a denial refunded was given back: the store counts exactly what was admitted.
    const check = new RedisRateLimiter({ client: redis.cluster, ...limiter });
    const remainingOf = async (key: Record<string, string>) =>
      (await check.peek(key, { cost: { requests: 0 } })).rules[0]!.remaining;
    expect(await remainingOf({ provider: 'openai' })).toBe(500 - total);
    for (const tenant of ['t0', 't1'])
      expect(await remainingOf({ tenant })).toBe(300 - admittedFor((key) => key.tenant === tenant));
    for (const user of users.slice(0, 5))
      expect(await remainingOf({ user })).toBe(40 - admittedFor((key) => key.user === user));
  }, 60_000);
});
