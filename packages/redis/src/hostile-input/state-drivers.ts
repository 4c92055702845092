import {
  InMemoryAuditLog,
  InMemoryBroadcast,
  InMemoryCircuitBreaker,
  InMemoryConversationLease,
  InMemoryConversationMemory,
  InMemoryJobQueue,
  InMemoryRateLimiter,
  InMemorySemanticCache,
  InMemoryTokenStream,
  type RateLimiterOptions,
} from '@tristack/core';
import { snapshotKeys, type RedisTestContext } from '@tristack/testing/redis';
import { RedisAuditLog } from '../audit-log/index.js';
import { RedisBroadcast } from '../broadcast/index.js';
import { RedisCircuitBreaker } from '../circuit-breaker/index.js';
import { RedisConversationMemory } from '../conversation-memory/index.js';
import { RedisConversationLease } from '../lease/index.js';
import { RedisJobQueue } from '../queue/index.js';
import { RedisRateLimiter } from '../rate-limiter/index.js';
import { RedisSemanticCache } from '../semantic-cache/index.js';
import { RedisTokenStream } from '../token-stream/index.js';
import type { StateDrivers } from '@tristack/testing/hostile-input';
import { dumpState } from './state-dump.js';

/** A slow token bucket and a sliding window: the shapes the rate-limiter findings used. */
const LIMITS: RateLimiterOptions['limits'] = [
  { name: 'bucket', algorithm: 'token-bucket', limit: 10, windowMs: 3_600_000 },
  { name: 'window', algorithm: 'sliding-window', limit: 100, windowMs: 60_000 },
];

async function closeAll(drivers: Omit<StateDrivers, 'snapshot' | 'close' | 'kind'>): Promise<void> {
  await Promise.allSettled([drivers.breaker.close(), drivers.queue.close(), drivers.broadcast.close()]);
}

export async function redisDrivers(redis: RedisTestContext): Promise<StateDrivers> {
  const client = redis.client;
  const breaker = new RedisCircuitBreaker({ client, prefix: redis.prefix, backendTimeoutMs: 5_000 });
  await breaker.subscribed();
  const drivers = {
    memory: new RedisConversationMemory({ client }),
    lease: new RedisConversationLease({ client }),
    limiter: new RedisRateLimiter({ client, limits: LIMITS, timeoutMs: 5_000, failurePolicy: 'fail-closed' }),
    breaker,
    queue: new RedisJobQueue({ client }),
    stream: new RedisTokenStream({ client }),
    broadcast: new RedisBroadcast({ client: await redis.newClient(), prefix: redis.prefix }),
    audit: new RedisAuditLog({ client }),
    cache: await RedisSemanticCache.create({ client, failOpen: false }),
  };
  return {
    kind: 'redis',
    ...drivers,
    snapshot: () => snapshotKeys(client, '*'),
    close: () => closeAll(drivers),
  };
}

export function memoryDrivers(): StateDrivers {
  const drivers = {
    memory: new InMemoryConversationMemory(),
    lease: new InMemoryConversationLease(),
    limiter: new InMemoryRateLimiter({ limits: LIMITS }),
    breaker: new InMemoryCircuitBreaker(),
    queue: new InMemoryJobQueue(),
    stream: new InMemoryTokenStream(),
    broadcast: new InMemoryBroadcast(),
    audit: new InMemoryAuditLog(),
    cache: new InMemorySemanticCache({ failOpen: false }),
  };
  return {
    kind: 'memory',
    ...drivers,
    snapshot: async () => dumpState(drivers),
    close: () => closeAll(drivers),
  };
}
