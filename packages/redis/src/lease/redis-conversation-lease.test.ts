import { setTimeout as sleep } from 'node:timers/promises';
import { InvalidOptionsError } from '@tristack/core';
import { describeConversationLease } from '@tristack/testing/conformance';
import { recordingConnection, useRedis } from '@tristack/testing/redis';
import { describe, expect, it } from 'vitest';
import { RedisConversationLease } from './redis-conversation-lease.js';

const redis = useRedis();
/** Blocks the thread: a holder whose timers (heartbeats) cannot run. */
const block = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

describeConversationLease(`RedisConversationLease on ${redis.server.kind}`, () => ({
  create: (options) => new RedisConversationLease({ ...options, client: redis.client }),
  wait: sleep,
  stall: block,
}));

describe('RedisConversationLease', () => {
  it('does acquire, renew, release and assertFence in one round trip each', async () => {
    const connection = recordingConnection(redis.client);
    const leases = new RedisConversationLease({ client: connection });
    // Load the scripts once so the steady state (EVALSHA only) shows below.
    await leases.release(await leases.renew(await leases.acquire('warm-up')));
    await leases.tryAcquire('warm-up');
    await leases.tryAcquire('warm-up');

    connection.clear();
    const lease = await leases.acquire('r');
    expect(connection.names()).toEqual(['EVALSHA']);
    connection.clear();
    expect(await leases.tryAcquire('r')).toBeUndefined();
    expect(connection.names()).toEqual(['EVALSHA']);
    connection.clear();
    const renewed = await leases.renew(lease);
    expect(connection.names()).toEqual(['EVALSHA']);
    connection.clear();
    await leases.assertFence('r', renewed.fencingToken);
    expect(connection.names()).toEqual(['HGET']);
    connection.clear();
    expect(await leases.release(renewed)).toBe(true);
    expect(connection.names()).toEqual(['EVALSHA']);
  });

  it('keeps the lease and its fence counter in one hash slot, with TTLs', async () => {
    const leases = new RedisConversationLease({ client: redis.client, prefix: 'app' });
    const lease = await leases.acquire('thread:{7}', { ttlMs: 5_000 });
    expect((await redis.client.keys('*')).sort()).toEqual([
      'app:lease:{thread%3A%7B7%7D}',
      'app:lease:{thread%3A%7B7%7D}:fence',
    ]);
    expect(await redis.client.hGetAll('app:lease:{thread%3A%7B7%7D}')).toEqual({
      holder: lease.holderId,
      fence: String(lease.fencingToken),
    });
    expect(await redis.client.pTTL('app:lease:{thread%3A%7B7%7D}')).toBeGreaterThan(4_000);
    expect(await redis.client.pTTL('app:lease:{thread%3A%7B7%7D}:fence')).toBeGreaterThan(6 * 86_400_000);
  });

  it('keeps tokens rising when the fence counter is lost (eviction, failover)', async () => {
    const leases = new RedisConversationLease({ client: redis.client });
    const first = await leases.acquire('r');
    await leases.release(first);
    await redis.client.del('tristack:lease:{r}:fence');
    // Without the counter, the token is the server's ms: it rises once a millisecond passed.
    await sleep(2);
    const second = await leases.acquire('r');
    expect(second.fencingToken).toBeGreaterThan(first.fencingToken);
  });

  it('rejects bad driver options', () => {
    expect(() => new RedisConversationLease({ client: redis.client, prefix: '' })).toThrow(
      InvalidOptionsError,
    );
    expect(() => new RedisConversationLease({ client: redis.client, fenceRetentionMs: 1_000 })).toThrow(
      InvalidOptionsError,
    );
    expect(() => new RedisConversationLease({ client: redis.client, defaultTtlMs: 5 })).toThrow(
      InvalidOptionsError,
    );
  });
});
