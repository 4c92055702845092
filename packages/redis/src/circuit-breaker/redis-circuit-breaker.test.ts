import { setTimeout as sleep } from 'node:timers/promises';
import { describeCircuitBreaker } from '@tristack/testing/conformance';
import { useRedis } from '@tristack/testing/redis';
import { RedisCircuitBreaker } from './redis-circuit-breaker.js';

const redis = useRedis();

describeCircuitBreaker('RedisCircuitBreaker', () => ({
  // Every instance shares the test's prefix: one fleet per test, its own pub/sub channel.
  create: async (options) => {
    // A generous timeout: on a loaded test machine a slow reply must not switch to the local fallback.
    const breaker = new RedisCircuitBreaker({
      backendTimeoutMs: 5_000,
      ...options,
      client: redis.client,
      prefix: redis.prefix,
    });
    await breaker.subscribed();
    return breaker;
  },
  wait: (ms) => sleep(ms),
}));
