import { auditLogSchema } from '../audit-log/schema.js';
import { broadcastSchema } from '../broadcast/schema.js';
import { jobQueueSchema } from '../job-queue/schema.js';
import { circuitBreakerSchema } from '../circuit-breaker/circuit-breaker-schema.js';
import { conversationMemorySchema } from '../conversation-memory/conversation-memory-schema.js';
import { leaseSchema } from '../lease/lease-schema.js';
import { semanticCacheSchema } from '../semantic-cache/schema.js';
import { tokenStreamSchema } from '../token-stream/schema.js';
import { rateLimiterSchema } from '../rate-limiter/rate-limiter-schema.js';
import type { PostgresSchemaPart } from './schema-part.js';

// Every primitive's DDL, in the order `migrate()` applies them (see ./schema-part.ts for how to add one).
// Postgres B: job queue, audit log, token stream, broadcast, semantic cache — add your imports and entries here.
export const SCHEMA_PARTS: readonly PostgresSchemaPart[] = [
  conversationMemorySchema,
  leaseSchema,
  rateLimiterSchema,
  circuitBreakerSchema,
  auditLogSchema,
  jobQueueSchema,
  tokenStreamSchema,
  broadcastSchema,
  semanticCacheSchema,
];
