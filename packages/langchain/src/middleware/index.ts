export {
  rateLimitMiddleware,
  RateLimitedError,
  type RateLimitMiddlewareOptions,
} from './rate-limit-middleware.js';
export {
  circuitBreakerMiddleware,
  type CircuitBreakerMiddlewareOptions,
} from './circuit-breaker-middleware.js';
export { fallbackMiddleware, type FallbackMiddlewareOptions } from './fallback-middleware.js';
export { responseCacheMiddleware, type ResponseCacheMiddlewareOptions } from './response-cache-middleware.js';
export { memoryMiddleware, type MemoryMiddlewareOptions } from './memory-middleware.js';
export { auditMiddleware, type AuditMiddlewareOptions } from './audit-middleware.js';
export { AuditCallbackHandler, type AuditCallbackHandlerOptions } from './audit-callback-handler.js';
export type { AuditFailurePolicy } from './audit-recorder.js';
export {
  structuredOutputRepair,
  StructuredOutputRepairError,
  type StructuredOutputRepairOptions,
} from './structured-output-repair.js';
export { productionMiddleware, type ProductionMiddlewareOptions } from './production-middleware.js';
export { telemetryMiddleware, type TelemetryMiddlewareOptions } from './telemetry-middleware.js';
export { isRetryableModelError } from '../model-errors.js';
export {
  defaultRunIdentity,
  identityFromConfigurable,
  MissingRunIdentityError,
  type RunIdentity,
  type ResolveRunIdentity,
} from '../run-context.js';
export { tristackMetadata, type TristackResponseMetadata } from '../cache-request.js';
