import { setTimeout as sleep } from 'node:timers/promises';
import { describeRateLimiter } from '@tristack/testing/conformance';
import { recordingPool, requiresPostgres, usePostgres } from '@tristack/testing/postgres';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../migrate.js';
import { PostgresRateLimiter } from './postgres-rate-limiter.js';

let limiterCount = 0;

describe.runIf(requiresPostgres('PostgresRateLimiter'))('PostgresRateLimiter', () => {
  const postgres = usePostgres();
  beforeAll(async () => {
    await migrate(postgres.pool, { primitives: ['rate-limiter'] });
  });

  // A fresh limiter name per case: rows of one case never meet another's.
  describeRateLimiter('PostgresRateLimiter', () => ({
    create: (options) =>
      new PostgresRateLimiter({ name: `conformance-${++limiterCount}`, ...options, pool: postgres.pool }),
    wait: sleep,
  }));

  it('limits, peeks and reconciles in one statement each, several rules and scopes included', async () => {
    const pool = recordingPool(postgres.pool);
    const limiter = new PostgresRateLimiter({
      pool,
      name: 'one-trip',
      limits: [
        { name: 'minute', algorithm: 'sliding-window', limit: 10, windowMs: 60_000 },
        { name: 'burst', algorithm: 'token-bucket', limit: 5, windowMs: 1_000 },
        { name: 'tenant', scope: 'tenant', algorithm: 'fixed-window', limit: 100, windowMs: 60_000 },
      ],
    });
    const key = { default: 'alice', tenant: 'acme' };
    expect((await limiter.limit(key)).allowed).toBe(true);
    expect(pool.statements()).toHaveLength(1);
    pool.clear();
    await limiter.peek(key);
    expect(pool.statements()).toHaveLength(1);
    pool.clear();
    await limiter.reconcile(key, { reserved: 1, actual: 0 });
    expect(pool.statements()).toHaveLength(1);
    expect(pool.checkouts()).toBe(0);
  });

  it('stores ids in their own columns', async () => {
    const limiter = new PostgresRateLimiter({
      pool: postgres.pool,
      name: 'columns',
      limits: [{ name: 'r', algorithm: 'fixed-window', limit: 3, windowMs: 60_000 }],
    });
    await limiter.limit('a:b{c}');
    const { rows } = await postgres.pool.query(
      "SELECT limiter, scope, key FROM tristack.rate_limit_state WHERE limiter = 'columns'",
    );
    expect(rows).toEqual([{ limiter: 'columns', scope: 'default', key: 'a:b{c}' }]);
  });

  it('answers with the failure policy when the server is unreachable', async () => {
    const unreachable = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/postgres', max: 1 });
    try {
      const rules = [{ name: 'r', algorithm: 'fixed-window', limit: 3, windowMs: 60_000 }] as const;
      const closed = new PostgresRateLimiter({ pool: unreachable, limits: [...rules] });
      const result = await closed.limit('x');
      expect(result).toMatchObject({ allowed: false, reason: 'store-unavailable' });
      const open = new PostgresRateLimiter({
        pool: unreachable,
        limits: [...rules],
        failurePolicy: 'fail-open',
      });
      expect(await open.limit('x')).toMatchObject({ allowed: true, reason: 'store-unavailable' });
    } finally {
      await unreachable.end();
    }
  });
});
