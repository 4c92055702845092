export {
  rateLimitMiddleware,
  RateLimitedError,
  type RateLimitMiddlewareOptions,
} from './rate-limit-middleware.js';
export {
  circuitBreakerMiddleware,
  defaultModelBreakerName,
  type CircuitBreakerMiddlewareOptions,
} from './circuit-breaker-middleware.js';
export { fallbackMiddleware, type FallbackMiddlewareOptions } from './fallback-middleware.js';
export { responseCacheMiddleware, type ResponseCacheMiddlewareOptions } from './response-cache-middleware.js';
export { memoryMiddleware, type MemoryMiddlewareOptions } from './memory-middleware.js';
export { auditMiddleware, type AuditMiddlewareOptions, type AuditFailurePolicy } from './audit-middleware.js';
export { productionMiddleware, type ProductionMiddlewareOptions } from './production-middleware.js';
export { telemetryMiddleware } from './telemetry-middleware.js';
export {
  withRunIdentity,
  currentRunIdentity,
  MissingRunIdentityError,
  type IdentitySource,
  type RunIdentity,
} from '../run-identity.js';
export { tristackMetadataOf, type TristackCallMetadata } from '../model-call.js';
