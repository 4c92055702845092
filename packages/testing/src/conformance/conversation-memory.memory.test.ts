import { InMemoryConversationMemory, ManualClock } from '@tristack/core';
import { describeConversationMemory } from './conversation-memory.js';

describeConversationMemory('InMemoryConversationMemory', () => {
  const clock = new ManualClock();
  // One driver instance is one store: every `create` with the same options shares it.
  const stores = new Map<string, InMemoryConversationMemory>();
  return {
    create: (options = {}) => {
      const key = JSON.stringify(options) + String(options.tokenCounter ?? '');
      let memory = stores.get(key);
      if (!memory) stores.set(key, (memory = new InMemoryConversationMemory({ ...options, clock })));
      return memory;
    },
    wait: async (ms) => clock.advance(ms),
  };
});
