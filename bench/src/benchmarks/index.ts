import type { Benchmark } from '../benchmark.js';
import { redisRoundTrip } from './redis-round-trip.js';
import { circuitBreakerBenchmark } from './circuit-breaker.js';
import { tokenStreamBenchmark } from './token-stream.js';
import { conversationMemoryBenchmark } from './conversation-memory.js';
import { semanticCache } from './semantic-cache.js';
import { rateLimiter } from './rate-limiter.js';
import { auditLogBenchmark } from './audit-log.js';
import { queueBenchmark } from './queue.js';
import { langchainMiddlewareBenchmark } from './langchain-middleware.js';
import { langgraphCheckpoint } from './langgraph-checkpoint.js';
import { aiSdkMiddlewareBenchmark } from './ai-sdk-middleware.js';
import { postgresBenchmark } from './postgres.js';

/** Every benchmark, by name. Later primitives add their rows here. */
export const benchmarks: readonly Benchmark[] = [
  redisRoundTrip,
  circuitBreakerBenchmark,
  tokenStreamBenchmark,
  conversationMemoryBenchmark,
  semanticCache,
  rateLimiter,
  auditLogBenchmark,
  queueBenchmark,
  langgraphCheckpoint,
  langchainMiddlewareBenchmark,
  aiSdkMiddlewareBenchmark,
  postgresBenchmark,
];
