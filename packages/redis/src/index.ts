// `@tristack/redis`: the Redis drivers of every primitive and how to hand them a connection. Each
// primitive is also a subpath (`@tristack/redis/<primitive>`); `@tristack/redis/driver-kit` holds what a
// Redis-backed driver outside this package builds on and is not repeated here.
export {
  toRedisConnection,
  type RedisClientInput,
  type NodeRedisClientLike,
  type NodeRedisClusterLike,
} from './connection.js';
export type { RedisArgument, RedisCommandOptions, RedisConnection } from '@tristack/core/driver-kit';
export type { RedisDriverOptions } from './driver-options.js';
export * from './conversation-memory/index.js';
export * from './lease/index.js';
export * from './audit-log/index.js';
export * from './circuit-breaker/index.js';
export * from './semantic-cache/index.js';
export * from './queue/index.js';
export * from './rate-limiter/index.js';
export * from './token-stream/index.js';
export * from './broadcast/index.js';
