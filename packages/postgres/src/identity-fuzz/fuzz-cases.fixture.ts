// Every id-taking API of @tristack/postgres, as the identity fuzz cases of its suite: the
// harness's driver-agnostic cases, each API's drivers in a schema of its own.
import { hasNoLoneSurrogate, stateFuzzCases, type NamedFuzzCase } from '@tristack/testing/hostile-input';
import type pg from 'pg';
import { PostgresAuditLog } from '../audit-log/postgres-audit-log.js';
import { PostgresBroadcast } from '../broadcast/postgres-broadcast.js';
import { PostgresCircuitBreaker } from '../circuit-breaker/postgres-circuit-breaker.js';
import { PostgresConversationMemory } from '../conversation-memory/postgres-conversation-memory.js';
import { PostgresJobQueue } from '../job-queue/postgres-job-queue.js';
import { PostgresConversationLease } from '../lease/postgres-conversation-lease.js';
import { PostgresRateLimiter } from '../rate-limiter/postgres-rate-limiter.js';
import { PostgresSemanticCache } from '../semantic-cache/postgres-semantic-cache.js';
import { PostgresTokenStream } from '../token-stream/postgres-token-stream.js';
import { schemaFor, type PostgresFuzzTarget } from './postgres-fuzz-server.fixture.js';

/** The pool and the API's own schema, with `primitive`'s tables migrated into it. */
const on = async (target: PostgresFuzzTarget, api: string, primitive: string) => ({
  pool: target.client,
  schema: await schemaFor(target, api, primitive),
});

export const POSTGRES_FUZZ_CASES: readonly NamedFuzzCase<pg.Pool>[] = stateFuzzCases(
  {
    conversationMemory: async (target, api) =>
      new PostgresConversationMemory(await on(target, api, 'conversation-memory')),
    lease: async (target, api) => new PostgresConversationLease(await on(target, api, 'lease')),
    rateLimiter: async (target, api, options) =>
      new PostgresRateLimiter({ ...(await on(target, api, 'rate-limiter')), ...options }),
    circuitBreaker: async (target, api, options) =>
      new PostgresCircuitBreaker({ ...(await on(target, api, 'circuit-breaker')), ...options }),
    jobQueue: async (target, api) => new PostgresJobQueue(await on(target, api, 'job-queue')),
    tokenStream: async (target, api) => new PostgresTokenStream(await on(target, api, 'token-stream')),
    broadcast: async (target, api) => new PostgresBroadcast(await on(target, api, 'broadcast')),
    auditLog: async (target, api) => new PostgresAuditLog(await on(target, api, 'audit-log')),
    semanticCache: async (target, api, options) =>
      new PostgresSemanticCache({ ...(await on(target, api, 'semantic-cache')), ...options }),
  },
  {
    // Stored as jsonb, which cannot hold U+0000: refused typed, like every other NUL-bearing string
    // but message contents (docs/postgres.md, "Text PostgreSQL cannot hold").
    tagValueAcceptable: (id) => id.length <= 1024 && hasNoLoneSurrogate(id) && !id.includes('\u0000'),
  },
);
