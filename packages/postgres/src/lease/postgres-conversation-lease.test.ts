import { setTimeout as sleep } from 'node:timers/promises';
import { InvalidOptionsError } from '@tristack/core';
import { describeConversationLease } from '@tristack/testing/conformance';
import { recordingPool, requiresPostgres, usePostgres } from '@tristack/testing/postgres';
import { beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../migrate.js';
import { sweepExpired } from '../sweeper.js';
import { PostgresConversationLease } from './postgres-conversation-lease.js';

/** Blocks the thread: a holder whose timers (heartbeats) cannot run. */
const block = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

describe.runIf(requiresPostgres('PostgresConversationLease'))('PostgresConversationLease', () => {
  const postgres = usePostgres();
  beforeAll(async () => {
    await migrate(postgres.pool, { primitives: ['lease'] });
  });

  describeConversationLease('PostgresConversationLease', () => ({
    create: (options) => new PostgresConversationLease({ ...options, pool: postgres.pool }),
    wait: sleep,
    stall: block,
    cleanup: async () => {
      await postgres.pool.query('TRUNCATE tristack.lease');
    },
  }));

  it('does acquire, renew, release and assertFence in one statement each', async () => {
    const pool = recordingPool(postgres.pool);
    const leases = new PostgresConversationLease({ pool });
    const lease = await leases.acquire('one-trip');
    expect(pool.statements()).toHaveLength(1);
    pool.clear();
    expect(await leases.tryAcquire('one-trip')).toBeUndefined();
    expect(pool.statements()).toHaveLength(1);
    pool.clear();
    const renewed = await leases.renew(lease);
    expect(pool.statements()).toHaveLength(1);
    pool.clear();
    await leases.assertFence('one-trip', renewed.fencingToken);
    expect(pool.statements()).toHaveLength(1);
    pool.clear();
    expect(await leases.release(renewed)).toBe(true);
    expect(pool.statements()).toHaveLength(1);
    expect(pool.checkouts()).toBe(0);
  });

  it('hands a contended lease to exactly one of many concurrent contenders', async () => {
    const pools = Array.from({ length: 4 }, () => postgres.newPool({ max: 4 }));
    const contenders = pools.map((pool) => new PostgresConversationLease({ pool }));
    const attempts = await Promise.all(
      Array.from({ length: 32 }, (_, index) =>
        contenders[index % contenders.length]!.tryAcquire('contended'),
      ),
    );
    expect(attempts.filter((lease) => lease !== undefined)).toHaveLength(1);
  });

  it('keeps tokens rising when the row was swept', async () => {
    const leases = new PostgresConversationLease({ pool: postgres.pool });
    const first = await leases.acquire('swept');
    await leases.release(first);
    await postgres.pool.query(
      "UPDATE tristack.lease SET retain_until = clock_timestamp() - interval '1 second' WHERE resource = 'swept'",
    );
    const { deleted } = await sweepExpired(postgres.pool, { batchSize: 1 });
    expect(deleted.lease).toBe(1);
    await sleep(2);
    const second = await leases.acquire('swept');
    expect(second.fencingToken).toBeGreaterThan(first.fencingToken);
  });

  it('stores ids as they are in their own column', async () => {
    const leases = new PostgresConversationLease({ pool: postgres.pool });
    await leases.acquire('thread:{7} ü');
    const { rows } = await postgres.pool.query<{ resource: string }>('SELECT resource FROM tristack.lease');
    expect(rows.map((row) => row.resource)).toContain('thread:{7} ü');
  });

  it('rejects bad driver options', () => {
    expect(() => new PostgresConversationLease({ pool: postgres.pool, schema: 'Bad-Name' })).toThrow(
      InvalidOptionsError,
    );
    expect(() => new PostgresConversationLease({ pool: postgres.pool, fenceRetentionMs: 1_000 })).toThrow(
      InvalidOptionsError,
    );
    // @ts-expect-error: not a pool
    expect(() => new PostgresConversationLease({ pool: {} })).toThrow(InvalidOptionsError);
  });
});
