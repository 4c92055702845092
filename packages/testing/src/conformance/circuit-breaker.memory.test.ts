import { InMemoryCircuitBreaker, InMemoryCircuitBreakerStore, ManualClock } from '@tristack/core';
import { describeCircuitBreaker } from './circuit-breaker.js';

describeCircuitBreaker('InMemoryCircuitBreaker', () => {
  const clock = new ManualClock();
  const store = new InMemoryCircuitBreakerStore();
  return {
    create: (options) => new InMemoryCircuitBreaker({ ...options, clock, store }),
    wait: async (ms) => clock.advance(ms),
  };
});
