import { InMemoryRateLimiter, ManualClock } from '@tristack/core';
import { describeRateLimiter } from './rate-limiter.js';

describeRateLimiter('InMemoryRateLimiter', () => {
  const clock = new ManualClock();
  return {
    create: (options) => new InMemoryRateLimiter({ ...options, clock }),
    wait: async (ms) => clock.advance(ms),
  };
});
