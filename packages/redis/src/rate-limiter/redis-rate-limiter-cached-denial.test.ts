import { describe, expect, it } from 'vitest';
import { recordingConnection, useRedis } from '@tristack/testing/redis';
import { RedisRateLimiter } from './redis-rate-limiter.js';

const redis = useRedis();

describe('RedisRateLimiter blocked-key cache', () => {
  it('answers a known-exhausted key locally, naming the rule and scope that denied it', async () => {
    const connection = recordingConnection(redis.client);
    const limiter = new RedisRateLimiter({
      client: connection,
      prefix: redis.prefix,
      limits: [{ name: 'rpm', algorithm: 'fixed-window', anchor: 'first-hit', limit: 1, windowMs: 60_000 }],
    });
    await expect(limiter.limit('ada')).resolves.toMatchObject({ allowed: true });
    const fromRedis = await limiter.limit('ada');
    expect(fromRedis).toMatchObject({ allowed: false, rule: 'rpm', scope: 'default' });
    connection.clear();
    const local = await limiter.limit('ada');
    // Answered without a command, as the reply before it was.
    expect(connection.commands).toEqual([]);
    expect(local).toMatchObject({ allowed: false, reason: 'limited', rule: 'rpm', scope: 'default' });
  });
});
