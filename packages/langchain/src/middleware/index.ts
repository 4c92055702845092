export {
  rateLimitMiddleware,
  estimateMessagesTokens,
  RateLimitedError,
  type RateLimitMiddlewareOptions,
} from './rate-limit-middleware.js';
export {
  circuitBreakerMiddleware,
  defaultModelBreakerName,
  throughBreaker,
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
export { isRetryableModelError, fallbackReason } from '../model-errors.js';
export { defaultRunIdentity, type RunIdentity, type ResolveRunIdentity } from '../run-context.js';
export { tristackMetadata, type TristackResponseMetadata } from '../cache-request.js';
