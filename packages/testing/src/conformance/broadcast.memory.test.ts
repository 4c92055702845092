import { InMemoryBroadcast, InMemoryBroadcastHub } from '@tristack/core';
import { describeBroadcast } from './broadcast.js';

describeBroadcast('InMemoryBroadcast', () => {
  // One hub per test: instances sharing it behave like processes sharing one Redis.
  const hub = new InMemoryBroadcastHub();
  return { create: (options) => new InMemoryBroadcast({ ...options, hub }) };
});
