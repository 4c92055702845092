export {
  toRedisConnection,
  isServerReplyError,
  type RedisClientInput,
  type NodeRedisClientLike,
  type NodeRedisClusterLike,
} from './connection.js';
export { RedisScript } from './script.js';
export { DEFAULT_KEY_PREFIX, redisKey } from './keys.js';
