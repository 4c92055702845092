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
export {
  MAX_JOB_DELAY_MS,
  MAX_JOB_PRIORITY,
  jobBackoffOptionsSchema,
  jobEnqueueOptionsSchema,
  jobProcessOptionsSchema,
  jobResultOptionsSchema,
  jobCloseOptionsSchema,
  jobDeadLettersOptionsSchema,
  jobQueueOptionsSchema,
  type JobBackoffOptions,
  type ResolvedJobBackoff,
  type JobEnqueueOptions,
  type ResolvedJobEnqueueOptions,
  type JobProcessOptions,
  type ResolvedJobProcessOptions,
  type JobResultOptions,
  type JobQueueOptions,
  redisJobQueueTuningSchema,
  type RedisJobQueueTuning,
} from './job-queue-schemas.js';
export { BaseJobQueue, type NewJob } from './base-job-queue.js';
export { InMemoryJobQueue, InMemoryJobStore, type InMemoryJobQueueOptions } from './in-memory-job-queue.js';
export {
  runJobAttempt,
  describeJobError,
  type JobAttemptOutcome,
  type JobAbortCause,
  type RunningJobAttempt,
} from './job-attempt.js';
export { JobAttemptPool } from './job-attempt-pool.js';
export { jobBackoffDelayMs } from './job-backoff.js';
export { serializeJobJson } from './job-json.js';
export { newJobId, parseJobId } from './job-id.js';
export { addKeyedListener } from './listener-registry.js';
