export { PostgresJobQueue, type PostgresJobQueueOptions } from './postgres-job-queue.js';
