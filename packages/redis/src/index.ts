export {
  toRedisConnection,
  isServerReplyError,
  type RedisClientInput,
  type NodeRedisClientLike,
  type NodeRedisClusterLike,
} from './connection.js';
export { RedisScript } from './script.js';
export { DEFAULT_KEY_PREFIX, redisKey } from './keys.js';
export * from './conversation-memory/index.js';
export * from './lease/index.js';
export * from './audit-log/index.js';
export * from './circuit-breaker/index.js';
export * from './semantic-cache/index.js';
export * from './queue/index.js';
export * from './rate-limiter/index.js';
export * from './token-stream/index.js';
export * from './broadcast/index.js';
export { hashReplyToRecord } from './replies.js';
