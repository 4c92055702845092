import { BackendUnavailableError } from '@tristack/core';
import { findPostgresBinaries, startPostgresCluster, type PostgresCluster } from '@tristack/testing/postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresCircuitBreaker } from './circuit-breaker/postgres-circuit-breaker.js';
import { PostgresConversationMemory } from './conversation-memory/postgres-conversation-memory.js';
import { PostgresConversationLease } from './lease/postgres-conversation-lease.js';
import { migrate } from './migrate.js';
import { PostgresRateLimiter } from './rate-limiter/postgres-rate-limiter.js';

const binaries = findPostgresBinaries();
if (!binaries)
  console.warn('[tristack] NOT RUN: Postgres outage tests need initdb and pg_ctl to run their own server');

describe.runIf(binaries)('Postgres drivers while their server is stopped and restarted', () => {
  let cluster: PostgresCluster;
  let pool: pg.Pool;
  beforeAll(async () => {
    cluster = await startPostgresCluster(binaries!);
    pool = new pg.Pool({ connectionString: cluster.url, max: 4, connectionTimeoutMillis: 2_000 });
    pool.on('error', () => undefined); // idle clients dropped by the stop
    await migrate(pool, { primitives: ['conversation-memory', 'lease', 'rate-limiter', 'circuit-breaker'] });
  }, 60_000);
  afterAll(async () => {
    await pool?.end();
    await cluster?.destroy();
  });

  it('reports BackendUnavailableError (or the failure policy), writes nothing, and recovers', async () => {
    const memory = new PostgresConversationMemory({ pool });
    const leases = new PostgresConversationLease({ pool });
    const limiter = new PostgresRateLimiter({
      pool,
      limits: [{ name: 'r', algorithm: 'fixed-window', anchor: 'first-hit', limit: 5, windowMs: 600_000 }],
    });
    const breaker = new PostgresCircuitBreaker({
      pool,
      listen: false,
      maxStalenessMs: 0,
      backendRetryMs: 10,
    });
    const address = { userId: 'u', conversationId: 'c' };
    await memory.append(address, [{ role: 'user', content: 'before' }]);
    expect((await limiter.limit('k')).allowed).toBe(true);

    await cluster.stop();
    await expect(memory.append(address, [{ role: 'user', content: 'during' }])).rejects.toBeInstanceOf(
      BackendUnavailableError,
    );
    await expect(leases.acquire('r')).rejects.toBeInstanceOf(BackendUnavailableError);
    expect(await limiter.limit('k')).toMatchObject({ allowed: false, reason: 'store-unavailable' });
    // The breaker never throws on the call path: its local fallback decides.
    expect((await breaker.acquire('api')).admitted).toBe(true);

    await cluster.start();
    expect((await memory.read(address)).map((message) => message.content)).toEqual(['before']);
    expect((await limiter.peek('k')).remaining).toBe(4);
    expect((await leases.acquire('r')).fencingToken).toBeGreaterThan(0);
    await breaker.close();
  }, 60_000);
});
