import { InvalidOptionsError, type ConversationLeaseOptions, type Lease } from '@tristack/core';
import {
  BaseConversationLease,
  MAX_LEASE_TTL_MS,
  type LeaseAttempt,
  type RedisConnection,
} from '@tristack/core/driver-kit';
import { toRedisConnection } from '../connection.js';
import { splitRedisDriverOptions, type RedisDriverOptions } from '../driver-options.js';
import { redisKey } from '../keys.js';
import { acquireScript, releaseScript, renewScript } from './lease-scripts.js';
import { RedisConversationLeaseInspector } from './redis-conversation-lease-inspector.js';

const DRIVER = 'redis';
const PRIMITIVE = 'lease';
const DEFAULT_FENCE_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

export interface RedisConversationLeaseOptions extends ConversationLeaseOptions, RedisDriverOptions {
  /**
   * How long the last fencing token of a resource is kept after its last acquisition. Tokens
   * keep rising after it is gone too (they are at least the server's time in ms); the counter
   * only makes them strictly increase within one millisecond.
   * @default 604800000 (7 days)
   */
  fenceRetentionMs?: number;
}

/**
 * `ConversationLease` on Redis: a hash per resource holding the holder and its fencing token,
 * with the lease's TTL; acquire, renew, release and the fence check are one round trip each and
 * touch one hash slot. Time comes from the server.
 */
export class RedisConversationLease extends BaseConversationLease {
  private readonly connection: RedisConnection;
  private readonly prefix: string;
  private readonly fenceRetentionMs: number;

  constructor(options: RedisConversationLeaseOptions) {
    const { client, prefix, rest } = splitRedisDriverOptions(options, 'RedisConversationLease');
    const { fenceRetentionMs = DEFAULT_FENCE_RETENTION_MS, ...leaseOptions } = rest;
    super(leaseOptions, DRIVER, 'RedisConversationLease');
    if (!Number.isInteger(fenceRetentionMs) || fenceRetentionMs < MAX_LEASE_TTL_MS)
      throw new InvalidOptionsError(
        `invalid RedisConversationLease options: fenceRetentionMs: an integer >= ${MAX_LEASE_TTL_MS} (the longest lease TTL)`,
        { driver: DRIVER },
      );
    this.connection = toRedisConnection(client, DRIVER);
    this.prefix = prefix;
    this.fenceRetentionMs = fenceRetentionMs;
  }

  /** A read-only view of the leases. */
  inspector(): RedisConversationLeaseInspector {
    return new RedisConversationLeaseInspector({ client: this.connection, prefix: this.prefix });
  }

  protected async attempt(resource: string, holderId: string, ttlMs: number): Promise<LeaseAttempt> {
    const reply = (await acquireScript.run(
      this.connection,
      [this.leaseKey(resource), redisKey(this.prefix, PRIMITIVE, resource, 'fence')],
      [holderId, String(ttlMs), String(this.fenceRetentionMs)],
    )) as [number, string | number, string?];
    if (Number(reply[0]) !== 1) {
      const remaining = Number(reply[1]);
      return { acquired: false, ...(remaining >= 0 ? { retryAfterMs: remaining } : {}) };
    }
    return {
      acquired: true,
      lease: { resource, fencingToken: Number(reply[1]), holderId, ttlMs, expiresAt: Number(reply[2]) },
    };
  }

  protected async extend(lease: Lease, ttlMs: number) {
    const reply = (await renewScript.run(
      this.connection,
      [this.leaseKey(lease.resource)],
      [lease.holderId, String(lease.fencingToken), String(ttlMs)],
    )) as [number, string | null];
    if (Number(reply[0]) === 1) return { expiresAt: Number(reply[1]) };
    return {
      currentFencingToken: reply[1] === null || reply[1] === undefined ? undefined : Number(reply[1]),
    };
  }

  protected async remove(lease: Lease): Promise<boolean> {
    const released = await releaseScript.run(
      this.connection,
      [this.leaseKey(lease.resource)],
      [lease.holderId, String(lease.fencingToken)],
    );
    return Number(released) === 1;
  }

  protected async liveFencingToken(resource: string): Promise<number | undefined> {
    const key = this.leaseKey(resource);
    const token = await this.connection.sendCommand(['HGET', key, 'fence'], { key });
    return token === null || token === undefined ? undefined : Number(token);
  }

  private leaseKey(resource: string): string {
    return redisKey(this.prefix, PRIMITIVE, resource);
  }
}
