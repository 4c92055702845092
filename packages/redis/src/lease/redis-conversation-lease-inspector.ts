import { validateId, type ConversationLeaseInspector, type LeaseHolder } from '@tristack/core';
import type { RedisConnection } from '@tristack/core/driver-kit';
import { toRedisConnection } from '../connection.js';
import { splitRedisDriverOptions, type RedisDriverOptions } from '../driver-options.js';
import { redisKey } from '../keys.js';

const DRIVER = 'redis';

/**
 * `ConversationLeaseInspector` on the hash `RedisConversationLease` keeps per resource
 * (`<prefix>:lease:{<resource>}`: holder, fence; its PTTL is the lease's time left). Reads only.
 */
export class RedisConversationLeaseInspector implements ConversationLeaseInspector {
  private readonly connection: RedisConnection;
  private readonly prefix: string;

  constructor(options: RedisDriverOptions) {
    const { client, prefix } = splitRedisDriverOptions(options, 'RedisConversationLeaseInspector');
    this.connection = toRedisConnection(client, DRIVER);
    this.prefix = prefix;
  }

  async holder(resource: string): Promise<LeaseHolder | undefined> {
    validateId(resource, 'lease resource', DRIVER);
    const key = redisKey(this.prefix, 'lease', resource);
    // One key, so one slot: both reads go to the same node in one write of the pipeline.
    const [fields, ttl] = await Promise.all([
      this.connection.sendCommand(['HMGET', key, 'holder', 'fence'], { key, readonly: true }) as Promise<
        (string | null)[]
      >,
      this.connection.sendCommand(['PTTL', key], { key, readonly: true }),
    ]);
    const [holderId, fence] = fields;
    if (!holderId || !fence) return undefined;
    return {
      resource,
      holderId: String(holderId),
      fencingToken: Number(fence),
      ...(Number(ttl) >= 0 ? { expiresInMs: Number(ttl) } : {}),
    };
  }
}
