import { InMemorySemanticCache, InMemorySemanticCacheStore, ManualClock } from '@tristack/core';
import { describeSemanticCache } from './semantic-cache.js';

describeSemanticCache(
  'InMemorySemanticCache',
  () => {
    const clock = new ManualClock();
    // One store shared by every instance, as processes share one Redis.
    const store = new InMemorySemanticCacheStore();
    return {
      create: (options) => new InMemorySemanticCache({ ...options, clock, store }),
      wait: async (ms) => clock.advance(ms),
    };
  },
  { semanticTier: true },
);
