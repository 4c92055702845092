import { InMemoryJobQueue, InMemoryJobStore } from '@tristack/core';
import { describeJobQueue } from './job-queue.js';

describeJobQueue('InMemoryJobQueue', () => {
  const store = new InMemoryJobStore();
  return { create: () => new InMemoryJobQueue({ store }) };
});
