import type { RateLimitResult, RateLimitRuleInput } from '@tristack/core';
import { useRedis } from '@tristack/testing/redis';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RedisRateLimiter } from './redis-rate-limiter.js';

const redis = useRedis();

// Long windows: the two paths run a few ms apart, which then moves no bucket or window.
const shapes: Record<string, RateLimitRuleInput[]> = {
  sliding: [{ name: 'rpm', algorithm: 'sliding-window', limit: 7, windowMs: 86_400_000, segments: 4 }],
  'token bucket': [{ name: 'tb', algorithm: 'token-bucket', limit: 5, windowMs: 86_400_000, burst: 6 }],
  'fixed, first hit': [
    { name: 'fx', algorithm: 'fixed-window', limit: 4.5, windowMs: 86_400_000, anchor: 'first-hit' },
  ],
  'RPM + TPM + USD': [
    { name: 'rpm', algorithm: 'sliding-window', limit: 6, windowMs: 86_400_000 },
    { name: 'tpm', unit: 'tokens', algorithm: 'token-bucket', limit: 5000, windowMs: 86_400_000 },
    { name: 'usd', unit: 'usd', algorithm: 'fixed-window', limit: 0.1, windowMs: 86_400_000 },
  ],
  'two scopes': [
    { name: 'user', scope: 'user', algorithm: 'sliding-window', limit: 5, windowMs: 86_400_000 },
    { name: 'tenant', scope: 'tenant', algorithm: 'fixed-window', limit: 8, windowMs: 86_400_000 },
  ],
};

/** What must match exactly; times (which differ by the ms between the calls) within a second. */
function comparable(result: RateLimitResult) {
  // A token bucket refills continuously: its room differs by what dripped in meanwhile.
  const room = (value: number) => Math.round(value * 100) / 100;
  return {
    allowed: result.allowed,
    reason: result.reason,
    remaining: room(result.remaining),
    retryNever: result.retryAfterMs === Infinity,
    rules: result.rules.map(({ rule, allowed, remaining, charged, retryAfterMs }) => ({
      rule,
      allowed,
      remaining: room(remaining),
      charged,
      retryNever: retryAfterMs === Infinity,
    })),
  };
}

async function storedFields(key: string): Promise<Record<string, number>> {
  const fields = await redis.client.hGetAll(key);
  return Object.fromEntries(
    Object.entries(fields)
      // '!h' is an expiry and ':s'/':tat' times: they differ by the ms between the two paths.
      .filter(([field]) => field !== '!h' && !field.endsWith(':s') && !field.endsWith(':tat'))
      .map(([field, value]) => [field, Number(value)]),
  );
}

describe("limit()'s specialised script matches the generic script", () => {
  for (const [label, limits] of Object.entries(shapes)) {
    it(`${label}: same verdicts and stored counts over random costs`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.oneof(
              fc.constant(undefined),
              fc.constantFrom(1, 2, 0.5, 3),
              fc.record({
                requests: fc.constantFrom(0, 1, 2),
                tokens: fc.constantFrom(0, 900, 2500),
                usd: fc.constantFrom(0, 0.02, 0.035),
              }),
            ),
            { minLength: 1, maxLength: 14 },
          ),
          async (costs) => {
            await redis.client.flushDb();
            const name = `diff-${label.replaceAll(/\W/g, '')}`;
            // No local deny cache: every call asks Redis.
            const options = { client: redis.client, name, limits, blockedKeyCache: { maxKeys: 0 } };
            const special = new RedisRateLimiter(options);
            const generic = new RedisRateLimiter(options);
            // The generic path: `limit` through the all-purpose script.
            (generic as unknown as { limitScript(): undefined }).limitScript = () => undefined;
            const units = new Set(special.limits.map((rule) => rule.unit));
            const scoped = special.limits.some((rule) => rule.scope !== 'default');
            for (const cost of costs) {
              const callOptions =
                cost === undefined
                  ? undefined
                  : {
                      cost:
                        typeof cost === 'number'
                          ? cost
                          : Object.fromEntries(Object.entries(cost).filter(([unit]) => units.has(unit))),
                    };
              const keyOf = (id: string) => (scoped ? { user: id, tenant: `t-${id}` } : id);
              const ours = await special.limit(keyOf('a'), callOptions);
              const theirs = await generic.limit(keyOf('b'), callOptions);
              expect(comparable(ours)).toEqual(comparable(theirs));
            }
            const keys = (await redis.client.keys('*')).sort();
            const a = keys.filter((key) => key.includes(':a}') || key.includes(':t-a}'));
            const b = keys.filter((key) => key.includes(':b}') || key.includes(':t-b}'));
            expect(a.length).toBe(b.length);
            for (const [index, key] of a.entries())
              expect(await storedFields(key)).toEqual(await storedFields(b[index]!));
          },
        ),
        { numRuns: 15 },
      );
    });
  }
});
