// Every id-taking API of @tristack/redis, as fuzz cases the single-server and cluster suites share:
// the harness's driver-agnostic cases, each API's drivers under a key prefix of its own.
import {
  prefixFor,
  stateFuzzCases,
  type FuzzTarget,
  type NamedFuzzCase,
} from '@tristack/testing/hostile-input';
import { RedisAuditLog } from '../audit-log/redis-audit-log.js';
import { RedisBroadcast } from '../broadcast/redis-broadcast.js';
import { RedisCircuitBreaker } from '../circuit-breaker/redis-circuit-breaker.js';
import { RedisConversationMemory } from '../conversation-memory/redis-conversation-memory.js';
import { RedisConversationLease } from '../lease/redis-conversation-lease.js';
import { RedisJobQueue } from '../queue/redis-job-queue.js';
import { RedisRateLimiter } from '../rate-limiter/redis-rate-limiter.js';
import { RedisSemanticCache } from '../semantic-cache/redis-semantic-cache.js';
import { RedisTokenStream } from '../token-stream/redis-token-stream.js';

/** The client and the API's own key prefix every driver is built with. */
const on = (target: FuzzTarget, api: string) => ({ client: target.client, prefix: prefixFor(target, api) });

export const REDIS_FUZZ_CASES: readonly NamedFuzzCase[] = stateFuzzCases({
  conversationMemory: (target, api) => new RedisConversationMemory(on(target, api)),
  lease: (target, api) => new RedisConversationLease(on(target, api)),
  rateLimiter: (target, api, options) => new RedisRateLimiter({ ...on(target, api), ...options }),
  circuitBreaker: (target, api, options) => new RedisCircuitBreaker({ ...on(target, api), ...options }),
  jobQueue: (target, api) => new RedisJobQueue(on(target, api)),
  tokenStream: (target, api) => new RedisTokenStream(on(target, api)),
  broadcast: (target, api) =>
    new RedisBroadcast({
      ...on(target, api),
      client: target.client as ConstructorParameters<typeof RedisBroadcast>[0]['client'],
    }),
  auditLog: (target, api) => new RedisAuditLog(on(target, api)),
  // The exact tier only: no vector backend to detect.
  semanticCache: (target, api, options) =>
    RedisSemanticCache.create({ ...on(target, api), ...options, vectorBackend: 'none' }),
});
