export { RedisNodeCache, type RedisNodeCacheOptions } from './redis-node-cache.js';
