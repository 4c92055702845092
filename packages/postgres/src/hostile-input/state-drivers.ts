import type { RateLimiterOptions } from '@tristack/core';
import type { PostgresTestContext } from '@tristack/testing/postgres';
import { PostgresAuditLog } from '../audit-log/index.js';
import { PostgresBroadcast } from '../broadcast/index.js';
import { PostgresCircuitBreaker } from '../circuit-breaker/index.js';
import { PostgresConversationMemory } from '../conversation-memory/index.js';
import { PostgresJobQueue } from '../job-queue/index.js';
import { PostgresConversationLease } from '../lease/index.js';
import { PostgresRateLimiter } from '../rate-limiter/index.js';
import { PostgresSemanticCache } from '../semantic-cache/index.js';
import { PostgresTokenStream } from '../token-stream/index.js';
import type { StateDrivers } from '@tristack/testing/hostile-input';
import { dumpTables } from './state-dump.js';

/** A slow token bucket and a sliding window: the shapes the Redis suite's rate-limiter findings used. */
const LIMITS: RateLimiterOptions['limits'] = [
  { name: 'bucket', algorithm: 'token-bucket', limit: 10, windowMs: 3_600_000 },
  { name: 'window', algorithm: 'sliding-window', limit: 100, windowMs: 60_000 },
];

/** The Postgres drivers on the file's database, in the schema `migrate()` made (`tristack`). */
export async function postgresDrivers(postgres: PostgresTestContext): Promise<StateDrivers> {
  const pool = postgres.pool;
  const breaker = new PostgresCircuitBreaker({ pool, backendTimeoutMs: 5_000 });
  await breaker.listening();
  const drivers = {
    memory: new PostgresConversationMemory({ pool }),
    lease: new PostgresConversationLease({ pool }),
    limiter: new PostgresRateLimiter({
      pool,
      limits: LIMITS,
      timeoutMs: 5_000,
      failurePolicy: 'fail-closed',
    }),
    breaker,
    queue: new PostgresJobQueue({ pool }),
    stream: new PostgresTokenStream({ pool }),
    broadcast: new PostgresBroadcast({ pool }),
    audit: new PostgresAuditLog({ pool }),
    cache: new PostgresSemanticCache({ pool, failOpen: false }),
  };
  return {
    kind: 'postgres',
    ...drivers,
    snapshot: () => dumpTables(pool, 'tristack'),
    close: () =>
      Promise.allSettled([drivers.breaker.close(), drivers.queue.close(), drivers.broadcast.close()]).then(
        () => undefined,
      ),
  };
}
