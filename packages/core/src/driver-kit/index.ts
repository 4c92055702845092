// `@tristack/core/driver-kit`: what an author of a driver (a store for a primitive) or of a tool
// provider builds on. Applications do not need it; nothing here is exported from the package root.
// docs/drivers.md says which contract each primitive has and which conformance suite checks it.

// Validation and the shared input boundary.
export { parseInput, parseOptions } from '../validation.js';
// Option schemas of the adapters' middlewares (checked once, when a middleware is created).
export { functionOption, instanceOption, objectOption, countOption } from '../option-schemas.js';
export { MAX_ID_LENGTH, idSchema, isWellFormedText } from '../ids.js';
export {
  MAX_METADATA_DEPTH,
  MAX_PAYLOAD_DEPTH,
  DEFAULT_MAX_JSON_BYTES,
  inspectJsonValue,
  checkJsonValue,
  jsonProblemError,
  type JsonLimits,
  type JsonProblem,
  type JsonProblemKind,
  type JsonInspection,
  type CheckJsonOptions,
} from '../json-boundary.js';
export { DEFAULT_DISCOVERY_LIMIT } from '../inspection.js';
// The run identity orchestration adapters read from trusted context, and what they derive from it.
export {
  MissingRunIdentityError,
  identityRateLimitKeys,
  cacheOwnerOf,
  conversationAddressOf,
  type RunIdentity,
  type IdentityRateLimitKeys,
  type IdentityRateLimitKeyOptions,
  type CacheScopeOptions,
  type CacheOwner,
} from '../run-identity.js';
export { errorChain, errorStatus, isCircuitOpen, fallbackReason } from '../model-errors.js';
// The connection contract the Redis drivers and the test harness's recorder implement
// (`@tristack/redis` re-exports the type for applications that pass their own connection).
export type { RedisArgument, RedisCommandOptions, RedisConnection } from '../redis-connection.js';

// Conversation memory.
export { BaseConversationMemory } from '../conversation-memory/base-conversation-memory.js';
export {
  MAX_MESSAGES_PER_APPEND,
  conversationAddressSchema,
} from '../conversation-memory/conversation-memory.js';
export { compareMessageIds, type PreparedMessage } from '../conversation-memory/conversation-memory-input.js';

// Conversation lease.
export { BaseConversationLease, type LeaseAttempt } from '../lease/base-conversation-lease.js';
export { MAX_LEASE_TTL_MS } from '../lease/lease.js';

// Rate limiter.
export { BaseRateLimiter, type RateLimitKeyTarget } from '../rate-limiter/base-rate-limiter.js';
export {
  DEFAULT_RATE_LIMIT_SCOPE,
  DEFAULT_RATE_LIMIT_UNIT,
  MAX_RATE_LIMIT_WINDOW_MS,
  MAX_RATE_LIMIT_HORIZON_MS,
  MIN_RATE_LIMIT_AMOUNT,
  MAX_RATE_LIMIT_AMOUNT,
  MAX_RATE_LIMIT_CHECKED_AT_MS,
  rateLimitCallOptionsSchema,
  rateLimitPeekOptionsSchema,
  rateLimitReconcileOptionsSchema,
  blockDurationSchema,
} from '../rate-limiter/rate-limiter.js';
export {
  planRateLimitCall,
  planRateLimitReconcile,
  resolveRateLimitKey,
  resolveRateLimiterOptions,
  costForRule,
  type RateLimitTarget,
} from '../rate-limiter/rate-limit-plan.js';
export {
  checkRule,
  chargeRule,
  fitsWithin,
  tolerance,
  type RuleState,
  type RuleVerdict,
} from '../rate-limiter/rate-limit-algorithms.js';
export {
  summarizeRateLimit,
  storeUnavailableResult,
  toRuleResult,
} from '../rate-limiter/rate-limit-result.js';
export { BlockedKeyCache, type BlockedKey } from '../rate-limiter/blocked-key-cache.js';
export {
  storeRateLimiterOptionsSchema,
  type ResolvedStoreRateLimiterOptions,
} from '../rate-limiter/store-rate-limiter-options.js';
export { describeRuleState } from '../rate-limiter/describe-rule-state.js';
export { RateLimitedError } from '../rate-limiter/rate-limited-error.js';

// Circuit breaker.
export {
  BaseCircuitBreaker,
  type CircuitBreakerBaseOptions,
} from '../circuit-breaker/base-circuit-breaker.js';
export type { ResolvedCircuitBreakerOptions } from '../circuit-breaker/circuit-breaker.js';
export { classifyOutcome, openDurationMs, type CircuitVerdict } from '../circuit-breaker/circuit-policy.js';
export {
  LocalCircuitSnapshots,
  type LocalCircuitSnapshot,
} from '../circuit-breaker/local-circuit-snapshots.js';
export { OutcomeBatcher, type OutcomeBatch } from '../circuit-breaker/outcome-batcher.js';
export {
  executeWithCircuitBreaker,
  type ExecuteWithCircuitBreakerOptions,
} from '../circuit-breaker/execute-with-circuit-breaker.js';
export {
  sharedCircuitBreakerOptionsSchema,
  type ResolvedSharedCircuitBreakerOptions,
} from '../circuit-breaker/shared-circuit-breaker-options.js';
export {
  validateCircuitName,
  validateCircuitOutcome,
  CircuitPermitLedger,
} from '../circuit-breaker/circuit-input.js';
export type { InMemoryCircuitRecord } from '../circuit-breaker/in-memory-circuit-breaker-store.js';

// Audit log.
export {
  BaseAuditLog,
  type ParsedAuditTrimOptions,
  type ParsedAuditVerifyOptions,
} from '../audit-log/base-audit-log.js';
export {
  DEFAULT_AUDIT_TENANT,
  MAX_AUDIT_PAGE,
  auditQuerySchema,
  auditFollowOptionsSchema,
  type ParsedAuditQuery,
} from '../audit-log/audit-log.js';
export {
  AuditChainVerifier,
  auditGenesisHash,
  auditEntryMaterial,
  hashAuditEntry,
  auditChainEntryOf,
  type AuditChainEntry,
} from '../audit-log/audit-chain.js';
export {
  prepareAuditEvent,
  resolveAuditLogOptions,
  type PreparedAuditEvent,
  type ResolvedAuditLogOptions,
} from '../audit-log/prepare-audit-event.js';
export { compareAuditIds, matchesAuditQuery } from '../audit-log/audit-query.js';
export { DROPPED } from '../audit-log/redactor.js';

// Token stream.
export { BaseTokenStream, type ParsedTokenStreamOptions } from '../token-stream/base-token-stream.js';
export type {
  TokenStreamTerminal,
  StoredTokenStreamEntry,
  TokenStreamLiveness,
  TokenStreamSink,
  TokenStreamSinkReply,
  TokenStreamSource,
} from '../token-stream/token-stream-backend.js';
export {
  TOKEN_STREAM_DEFAULTS,
  tokenStreamOptionsSchema,
  resolveTokenStreamSettings,
  type TokenStreamSettings,
} from '../token-stream/token-stream-options.js';
export {
  formatTokenStreamId,
  parseTokenStreamId,
  previousEntryId,
  compareEntryIds,
  type TokenStreamCursor,
} from '../token-stream/token-stream-cursor.js';
export type { InMemoryTokenStreamRecord } from '../token-stream/in-memory-token-stream-store.js';

// Broadcast.
export { BaseBroadcast, type BroadcastListenTarget } from '../broadcast/base-broadcast.js';
export { broadcastOptionsSchema, defaultBroadcastErrorHandler } from '../broadcast/broadcast-options.js';
export { globToRegExp } from '../broadcast/glob-pattern.js';

// Job queue.
export { BaseJobQueue, type NewJob } from '../queue/base-job-queue.js';
export {
  MAX_JOB_DELAY_MS,
  MAX_JOB_PRIORITY,
  jobCloseOptionsSchema,
  type ResolvedJobBackoffOptions,
  type ResolvedJobEnqueueOptions,
  type ResolvedJobProcessOptions,
} from '../queue/job-queue-schemas.js';
export {
  runJobAttempt,
  describeJobError,
  type JobAttemptOutcome,
  type JobAbortCause,
  type RunningJobAttempt,
} from '../queue/job-attempt.js';
export { JobAttemptPool } from '../queue/job-attempt-pool.js';
export { jobBackoffDelayMs } from '../queue/job-backoff.js';
export { serializeJobJson } from '../queue/job-json.js';
export { newJobId, parseJobId } from '../queue/job-id.js';
export { jobIdempotencyScope } from '../queue/job-idempotency-key.js';
export { addKeyedListener } from '../queue/listener-registry.js';

// Semantic cache.
export {
  SemanticCacheBase,
  type SemanticCacheCandidate,
  type SemanticCacheEntryHit,
  type SemanticCacheEntryWrite,
  type SemanticCacheRejection,
  type SemanticCacheTiersReply,
} from '../semantic-cache/semantic-cache-base.js';
export {
  prepareRequest as prepareSemanticCacheRequest,
  hasToolResults,
  type PreparedRequest as PreparedSemanticCacheRequest,
} from '../semantic-cache/prepare-request.js';
export { checkEmbeddings } from '../semantic-cache/caching-embedder.js';
export { reportedSimilarity } from '../semantic-cache/policy.js';
export {
  semanticCacheOptionsSchema,
  MAX_TTL_MS as SEMANTIC_CACHE_MAX_TTL_MS,
  MAX_TOKENS as SEMANTIC_CACHE_MAX_TOKENS,
  MAX_COST_USD as SEMANTIC_CACHE_MAX_COST_USD,
  type ResolvedSemanticCacheOptions,
} from '../semantic-cache/schemas.js';
export {
  MAX_CACHE_REQUEST_MESSAGES,
  MAX_CACHE_REQUEST_BYTES,
  MAX_CACHE_RESPONSE_BYTES,
} from '../semantic-cache/request-limits.js';

// Tool providers.
export { isWriteTool, isInToolkits } from '../tools/tool-definition.js';
export { TOOL_ERROR_KINDS } from '../tools/tool-result.js';
export {
  executeToolRequestSchema,
  listToolsRequestSchema,
  waitForAuthorizationRequestSchema,
  MAX_TOOL_INPUT_BYTES,
  type ParsedExecuteToolRequest,
} from '../tools/tool-provider.js';
export { ToolGovernance, type ToolGovernanceOptions } from '../tools/tool-governance.js';
export { validateToolInput, type ToolInputValidation } from '../tools/validate-tool-input.js';
export { redactToolError, redactUpstreamText } from '../tools/redact-tool-error.js';

// OpenTelemetry instrumentation (through `@opentelemetry/api` only: a no-op without an SDK).
export {
  GEN_AI_SEMCONV_VERSION,
  TELEMETRY_SCHEMA_URL,
  TelemetryAttribute,
  TelemetryEventName,
  TelemetrySpanName,
} from '../telemetry/telemetry-attributes.js';
export {
  TristackTelemetry,
  TelemetrySpanKind,
  OTHER_VALUE,
  activeTraceIds,
  errorTypeOf,
  inToolSpan,
  markSpanFailed,
  telemetryToolName,
  recordingSpan,
  type TelemetryAttributes,
  type TelemetryInstruments,
  type TelemetrySpan,
} from '../telemetry/tristack-telemetry.js';
export { markShadowCircuitBreaker } from '../circuit-breaker/circuit-telemetry.js';
export { ToolContentRecorder } from '../telemetry/tool-content-telemetry.js';
export { recordRateLimitDecision, tracedCacheLookup } from '../telemetry/middleware-telemetry.js';
