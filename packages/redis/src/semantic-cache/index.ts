export { RedisSemanticCache, toFloat32Blob, type RedisSemanticCacheOptions } from './redis-semantic-cache.js';
export {
  detectVectorBackend,
  type VectorBackend,
  type VectorBackendChoice,
} from './detect-vector-backend.js';
