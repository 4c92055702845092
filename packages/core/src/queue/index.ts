// The job queue's user API (also exported from the package root). Material for driver authors (base
// class, attempt runner, ids, schemas) is exported from ../driver-kit/index.ts instead.
export type {
  CancelStatus,
  DeadLetter,
  JobContext,
  JobHandler,
  JobOutcome,
  JobQueue,
  JobSnapshot,
  JobState,
  JobWorker,
  JobJsonValue,
  JobProgressEvent,
  QueueStats,
} from './job-queue.js';
export type {
  JobBackoffOptions,
  JobEnqueueOptions,
  JobProcessOptions,
  JobResultOptions,
  JobQueueOptions,
} from './job-queue-schemas.js';
export { InMemoryJobQueue, InMemoryJobStore, type InMemoryJobQueueOptions } from './in-memory-job-queue.js';
export type { JobQueueInspector } from './job-queue-inspector.js';
