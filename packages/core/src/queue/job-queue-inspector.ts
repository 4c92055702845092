import type { Discovery, DiscoveryOptions } from '../inspection.js';
import type { DeadLetter, QueueStats } from './job-queue.js';

/** Read-only view of job queues: starts no worker and no listener. */
export interface JobQueueInspector {
  /** The names of every queue the store holds, sorted. */
  queues(options?: DiscoveryOptions): Promise<Discovery<string>>;
  /** Job counts of one queue. */
  stats(name: string): Promise<QueueStats>;
  /** The oldest dead letters of one queue. */
  deadLetters(name: string, options?: { limit?: number }): Promise<DeadLetter[]>;
}
