import { InMemoryTokenStream, InMemoryTokenStreamStore } from '@tristack/core';
import { describeTokenStream } from './token-stream.js';

describeTokenStream('InMemoryTokenStream', () => {
  // One store per test: instances sharing it behave like workers sharing one Redis.
  const store = new InMemoryTokenStreamStore();
  return { create: (options) => new InMemoryTokenStream({ ...options, store }) };
});
