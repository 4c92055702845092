import { InMemoryConversationLease, ManualClock } from '@tristack/core';
import { describeConversationLease } from './lease.js';

describeConversationLease('InMemoryConversationLease', () => {
  const clock = new ManualClock();
  // One driver instance is one store: "several processes" share it.
  const shared = new InMemoryConversationLease({ clock });
  return {
    create: (options) => (options ? new InMemoryConversationLease({ ...options, clock }) : shared),
    wait: async (ms) => clock.advance(ms),
    stall: (ms) => clock.advance(ms),
  };
});
