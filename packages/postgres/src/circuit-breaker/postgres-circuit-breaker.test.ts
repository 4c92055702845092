import { setTimeout as sleep } from 'node:timers/promises';
import { describeCircuitBreaker } from '@tristack/testing/conformance';
import { recordingPool, requiresPostgres, usePostgres } from '@tristack/testing/postgres';
import type pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../migrate.js';
import { PostgresCircuitBreaker } from './postgres-circuit-breaker.js';

describe.runIf(requiresPostgres('PostgresCircuitBreaker'))('PostgresCircuitBreaker', () => {
  const postgres = usePostgres();
  // Every listening breaker holds a connection: room for the suite's fleets.
  let pool: pg.Pool;
  beforeAll(async () => {
    pool = postgres.newPool({ max: 40 });
    await migrate(pool, { primitives: ['circuit-breaker'] });
  });

  describeCircuitBreaker('PostgresCircuitBreaker', () => ({
    create: async (options) => {
      // A generous timeout: on a loaded test machine a slow reply must not switch to the local fallback.
      const breaker = new PostgresCircuitBreaker({ backendTimeoutMs: 5_000, ...options, pool });
      await breaker.listening();
      return breaker;
    },
    wait: (ms) => sleep(ms),
    cleanup: async () => {
      await pool.query('TRUNCATE tristack.circuit_breaker');
    },
  }));

  it('admits on the closed path without a query, and writes successes in batches', async () => {
    const recording = recordingPool(pool);
    const breaker = new PostgresCircuitBreaker({ pool: recording, listen: false, maxStalenessMs: 60_000 });
    try {
      await breaker.execute('closed-path', () => 'warm'); // the first call reads the state once
      await breaker.close(); // flush
      const again = new PostgresCircuitBreaker({ pool: recording, listen: false, maxStalenessMs: 60_000 });
      await again.execute('closed-path', () => 'warm');
      recording.clear();
      for (let call = 0; call < 20; call++) await again.execute('closed-path', () => call);
      expect(recording.statements()).toHaveLength(0);
      await again.close();
      expect(recording.statements().length).toBeLessThanOrEqual(1);
    } finally {
      await breaker.close();
    }
  });

  it('announces a trip to the other instances with NOTIFY', async () => {
    const policy = { consecutiveFailures: 2, minimumCalls: 1, openMs: 60_000, maxStalenessMs: 60_000 };
    const tripping = new PostgresCircuitBreaker({ ...policy, pool });
    const watching = new PostgresCircuitBreaker({ ...policy, pool });
    await Promise.all([tripping.listening(), watching.listening()]);
    try {
      // The watcher learns the closed state once; it then decides without queries.
      expect((await watching.acquire('notified')).admitted).toBe(true);
      const heard = new Promise((resolve) =>
        watching.onEvent((event) => {
          if (event.type === 'state-change' && event.origin === 'remote') resolve(event.to);
        }),
      );
      for (let call = 0; call < 2; call++)
        await tripping.execute('notified', () => Promise.reject(new Error('down'))).catch(() => undefined);
      expect(await heard).toBe('open');
      const result = await watching.acquire('notified');
      expect(result.admitted).toBe(false);
    } finally {
      await Promise.all([tripping.close(), watching.close()]);
    }
  });
});
