export { RedisJobQueue, type RedisJobQueueOptions } from './redis-job-queue.js';
export { RedisJobQueueInspector } from './redis-job-queue-inspector.js';
