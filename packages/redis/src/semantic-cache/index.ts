export { RedisSemanticCache, type RedisSemanticCacheOptions } from './redis-semantic-cache.js';
export type { VectorBackend } from './detect-vector-backend.js';
export {
  RedisSemanticCacheInspector,
  type RedisSemanticCacheInspectorOptions,
} from './redis-semantic-cache-inspector.js';
