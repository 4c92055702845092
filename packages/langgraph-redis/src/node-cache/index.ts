export { RedisNodeCache, type RedisNodeCacheOptions } from './redis-node-cache.js';
export { MAX_NODE_CACHE_TTL_SECONDS } from './redis-node-cache.js';
