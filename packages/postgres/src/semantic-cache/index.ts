export { PostgresSemanticCache, type PostgresSemanticCacheOptions } from './postgres-semantic-cache.js';
export { detectPostgresVectorSupport, type PostgresVectorSupport } from './detect-vector-support.js';
