/**
 * The OpenTelemetry GenAI semantic conventions the `gen_ai.*` names below follow. They are
 * still "Development" stability, so the version is pinned and named on every tracer/meter
 * (as its schema URL) rather than tracked silently.
 */
export const GEN_AI_SEMCONV_VERSION = '1.37.0';
export const TELEMETRY_SCHEMA_URL = `https://opentelemetry.io/schemas/${GEN_AI_SEMCONV_VERSION}`;

/**
 * Attribute names. `gen_ai.*`, `error.type` and `messaging.*` come from the conventions;
 * `tristack.*` are ours. None carries a user id or message content; tool arguments and results
 * only when the app opts in (`toolContent`), and then redacted.
 */
export const TelemetryAttribute = {
  operationName: 'gen_ai.operation.name',
  providerName: 'gen_ai.provider.name',
  agentName: 'gen_ai.agent.name',
  conversationId: 'gen_ai.conversation.id',
  requestModel: 'gen_ai.request.model',
  responseModel: 'gen_ai.response.model',
  responseFinishReasons: 'gen_ai.response.finish_reasons',
  usageInputTokens: 'gen_ai.usage.input_tokens',
  usageOutputTokens: 'gen_ai.usage.output_tokens',
  /** Not yet in 1.37: the OpenAI-style cached-prompt count, named as the conventions' proposal does. */
  usageCachedInputTokens: 'gen_ai.usage.cache_read.input_tokens',
  tokenType: 'gen_ai.token.type',
  toolName: 'gen_ai.tool.name',
  toolCallId: 'gen_ai.tool.call.id',
  toolType: 'gen_ai.tool.type',
  /** Opt-in only (`toolContent`), redacted: never set by default. */
  toolCallArguments: 'gen_ai.tool.call.arguments',
  /** Opt-in only (`toolContent`), redacted: never set by default. */
  toolCallResult: 'gen_ai.tool.call.result',
  errorType: 'error.type',
  messagingSystem: 'messaging.system',
  messagingOperationType: 'messaging.operation.type',
  messagingDestination: 'messaging.destination.name',
  messagingMessageId: 'messaging.message.id',
  modelOutcome: 'tristack.model.outcome',
  toolkit: 'tristack.tool.toolkit',
  toolOutcome: 'tristack.tool.outcome',
  toolAuthorization: 'tristack.tool.authorization_status',
  toolProvider: 'tristack.tool.provider',
  toolResultStatus: 'tristack.tool.result_status',
  cacheResult: 'tristack.cache.result',
  cacheSimilarity: 'tristack.cache.similarity',
  rateLimitRule: 'tristack.rate_limit.rule',
  rateLimitAllowed: 'tristack.rate_limit.allowed',
  rateLimitRemaining: 'tristack.rate_limit.remaining',
  rateLimitRetryAfterMs: 'tristack.rate_limit.retry_after_ms',
  breakerName: 'tristack.circuit_breaker.name',
  breakerState: 'tristack.circuit_breaker.state',
  breakerReason: 'tristack.circuit_breaker.reason',
  memoryOperation: 'tristack.memory.operation',
  memoryMessageCount: 'tristack.memory.message_count',
  auditEventId: 'tristack.audit.event_id',
  auditEventType: 'tristack.audit.event_type',
  streamOperation: 'tristack.token_stream.operation',
  streamOutcome: 'tristack.token_stream.outcome',
  streamChunks: 'tristack.token_stream.chunks',
  streamEntries: 'tristack.token_stream.entries',
  streamResumed: 'tristack.token_stream.resumed',
  streamCancelRequested: 'tristack.token_stream.cancel_requested',
  jobAttempt: 'tristack.queue.job.attempt',
  jobState: 'tristack.queue.job.state',
  queueOutcome: 'tristack.queue.outcome',
  queueDriver: 'tristack.queue.driver',
} as const;

/** Span names that are not `<operation> <target>`. */
export const TelemetrySpanName = {
  cacheLookup: 'tristack.cache.lookup',
  rateLimit: 'tristack.rate_limit',
  memoryRead: 'tristack.memory.read',
  memoryAppend: 'tristack.memory.append',
  tokenStreamProduce: 'tristack.token_stream.produce',
  tokenStreamConsume: 'tristack.token_stream.consume',
} as const;

/** Span event names. */
export const TelemetryEventName = {
  breakerRejected: 'tristack.circuit_breaker.rejected',
  breakerStateChange: 'tristack.circuit_breaker.state_change',
  auditRecorded: 'tristack.audit.recorded',
} as const;
