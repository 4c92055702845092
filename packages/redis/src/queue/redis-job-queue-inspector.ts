import type { DeadLetter, Discovery, DiscoveryOptions, JobQueueInspector, QueueStats } from '@tristack/core';
import type { RedisClientInput } from '../connection.js';
import { splitRedisDriverOptions, type RedisDriverOptions } from '../driver-options.js';
import { listJobQueues } from './list-job-queues.js';
import { RedisJobQueue } from './redis-job-queue.js';

/**
 * `JobQueueInspector` for operators: lists queues with SCAN (every master of a cluster) and reads
 * counts and dead letters through the driver. Starts no worker and no listener. Close it when done.
 */
export class RedisJobQueueInspector implements JobQueueInspector {
  private readonly client: RedisClientInput;
  private readonly prefix: string;
  private readonly queue: RedisJobQueue;

  constructor(options: RedisDriverOptions) {
    const { client, prefix } = splitRedisDriverOptions(options, 'RedisJobQueueInspector');
    this.client = client;
    this.prefix = prefix;
    this.queue = new RedisJobQueue({ client, prefix });
  }

  queues(options?: DiscoveryOptions): Promise<Discovery<string>> {
    return listJobQueues(this.client, this.prefix, options);
  }

  stats(name: string): Promise<QueueStats> {
    return this.queue.stats(name);
  }

  deadLetters(name: string, options?: { limit?: number }): Promise<DeadLetter[]> {
    return this.queue.deadLetters(name, options);
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
