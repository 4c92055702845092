import { z } from 'zod';
import { idSchema } from '../ids.js';

/** The three layers of a deployment; every audit event belongs to one. */
export const auditLayers = ['orchestration', 'tool', 'state'] as const;
export type AuditLayer = (typeof auditLayers)[number];
export const auditLayerSchema = z.enum(auditLayers);

const nonNegative = z.number().finite().nonnegative();
const count = z.number().int().nonnegative();
const name = z.string().min(1).max(1024);
// Free JSON-ish payload; the redactor turns it into plain JSON before anything is stored.
const payload = z.unknown();

/** Token counts reported by a model call. Extra counters are kept. */
export const auditTokenUsageSchema = z.looseObject({
  inputTokens: count.optional(),
  outputTokens: count.optional(),
  totalTokens: count.optional(),
  cachedInputTokens: count.optional(),
  reasoningTokens: count.optional(),
});
export type AuditTokenUsage = z.infer<typeof auditTokenUsageSchema>;

/** What went wrong, safe to store (it is redacted like everything else). */
export const auditErrorSchema = z.looseObject({
  message: z.string(),
  name: z.string().optional(),
  code: z.string().optional(),
});
export type AuditError = z.infer<typeof auditErrorSchema>;

export const auditAuthorizationStatuses = [
  'not_required',
  'completed',
  'pending',
  'failed',
  'denied',
] as const;
export type AuditAuthorizationStatus = (typeof auditAuthorizationStatuses)[number];

export const auditToolFailureOutcomes = [
  'error',
  'denied',
  'authorization_required',
  'timeout',
  'cancelled',
  'unavailable',
  'invalid_input',
] as const;
export type AuditToolFailureOutcome = (typeof auditToolFailureOutcomes)[number];

export const auditCircuitStates = ['closed', 'open', 'half-open'] as const;
export type AuditCircuitState = (typeof auditCircuitStates)[number];

const modelCall = {
  model: name,
  provider: z.string().optional(),
  /** The call's own id (LangChain run id of the model call), to pair started/finished. */
  callId: z.string().optional(),
};

const toolCall = {
  /** Tool name as the provider knows it, e.g. `Gmail.ListEmails`. */
  tool: name,
  toolVersion: z.string().optional(),
  /** The model's tool-call id. */
  toolCallId: z.string().optional(),
  /** The tool provider's execution id (Arcade `execution_id`). */
  executionId: z.string().optional(),
  authorizationStatus: z.enum(auditAuthorizationStatuses).optional(),
  /** Call arguments; hashed or dropped when the redactor says so, secrets always removed. */
  arguments: z.record(z.string(), payload).optional(),
};

const lease = { lease: name, holder: name, fencingToken: z.union([count, z.string()]).optional() };
const job = {
  queue: name,
  jobId: name,
  attempt: count.optional(),
  name: z.string().optional(),
};

/**
 * The data schema of each known event type. Objects are loose: required fields are checked,
 * extra fields are kept (after redaction), so adapters can add detail without a schema change.
 */
export const auditEventDataSchemas = {
  // orchestration
  'model.call.started': z.looseObject({
    ...modelCall,
    messageCount: count.optional(),
    toolCount: count.optional(),
  }),
  'model.call.finished': z.looseObject({
    ...modelCall,
    /** True when the answer came from a cache instead of the model. */
    cached: z.boolean(),
    tokenUsage: auditTokenUsageSchema.optional(),
    durationMs: nonNegative.optional(),
    finishReason: z.string().optional(),
  }),
  'model.call.failed': z.looseObject({
    ...modelCall,
    durationMs: nonNegative.optional(),
    error: auditErrorSchema,
  }),
  'run.started': z.looseObject({ name: z.string().optional(), parentRunId: z.string().optional() }),
  'run.finished': z.looseObject({ name: z.string().optional(), durationMs: nonNegative.optional() }),
  'run.failed': z.looseObject({
    name: z.string().optional(),
    durationMs: nonNegative.optional(),
    error: auditErrorSchema,
  }),
  'interrupt.raised': z.looseObject({
    interruptId: z.string().optional(),
    node: z.string().optional(),
    reason: z.string().optional(),
    value: payload.optional(),
  }),
  'interrupt.resumed': z.looseObject({
    interruptId: z.string().optional(),
    node: z.string().optional(),
    decision: z.string().optional(),
    value: payload.optional(),
  }),
  // tool
  'tool.call.requested': z.looseObject({ ...toolCall }),
  'tool.call.authorized': z.looseObject({
    ...toolCall,
    authorizationStatus: z.enum(auditAuthorizationStatuses),
    authorizationId: z.string().optional(),
    scopes: z.array(z.string()).optional(),
  }),
  'tool.call.executed': z.looseObject({
    ...toolCall,
    /** `error` when the tool ran and reported a failure of its own. */
    outcome: z.enum(['success', 'error']).optional(),
    durationMs: nonNegative.optional(),
    output: payload.optional(),
  }),
  'tool.call.failed': z.looseObject({
    ...toolCall,
    outcome: z.enum(auditToolFailureOutcomes).optional(),
    durationMs: nonNegative.optional(),
    error: auditErrorSchema,
  }),
  // state
  'rate-limit.denied': z.looseObject({
    limiter: z.string().optional(),
    key: name,
    limit: nonNegative.optional(),
    remaining: nonNegative.optional(),
    cost: nonNegative.optional(),
    retryAfterMs: nonNegative.optional(),
  }),
  'circuit-breaker.state-changed': z.looseObject({
    breaker: name,
    from: z.enum(auditCircuitStates),
    to: z.enum(auditCircuitStates),
    reason: z.string().optional(),
  }),
  'memory.cleared': z.looseObject({
    reason: z.string().optional(),
    messagesRemoved: count.optional(),
  }),
  'cache.hit': z.looseObject({
    cache: z.string().optional(),
    key: z.string().optional(),
    model: z.string().optional(),
    similarity: z.number().finite().optional(),
    ageMs: nonNegative.optional(),
  }),
  'cache.miss': z.looseObject({
    cache: z.string().optional(),
    key: z.string().optional(),
    model: z.string().optional(),
  }),
  'lease.acquired': z.looseObject({ ...lease, ttlMs: nonNegative.optional() }),
  'lease.released': z.looseObject({ ...lease }),
  'lease.lost': z.looseObject({ ...lease, reason: z.string().optional() }),
  'job.enqueued': z.looseObject({ ...job, delayMs: nonNegative.optional() }),
  'job.started': z.looseObject({ ...job }),
  'job.completed': z.looseObject({ ...job, durationMs: nonNegative.optional() }),
  'job.failed': z.looseObject({
    ...job,
    durationMs: nonNegative.optional(),
    willRetry: z.boolean().optional(),
    error: auditErrorSchema,
  }),
} as const;

type Schemas = typeof auditEventDataSchemas;

/** Event type → its data, as the caller passes it. */
export type AuditEventDataMap = { [Type in keyof Schemas]: z.input<Schemas[Type]> };
export type KnownAuditEventType = keyof AuditEventDataMap;
/** Application events: `custom` or `custom.<anything>`, data is any JSON object. */
export type CustomAuditEventType = 'custom' | `custom.${string}`;
export type AuditEventType = KnownAuditEventType | CustomAuditEventType;
export type AuditEventData<Type extends AuditEventType> = Type extends KnownAuditEventType
  ? AuditEventDataMap[Type]
  : Record<string, unknown>;

/** The layer a known event type belongs to, used when `record` is not told one. */
export const auditEventLayers: Record<KnownAuditEventType, AuditLayer> = {
  'model.call.started': 'orchestration',
  'model.call.finished': 'orchestration',
  'model.call.failed': 'orchestration',
  'run.started': 'orchestration',
  'run.finished': 'orchestration',
  'run.failed': 'orchestration',
  'interrupt.raised': 'orchestration',
  'interrupt.resumed': 'orchestration',
  'tool.call.requested': 'tool',
  'tool.call.authorized': 'tool',
  'tool.call.executed': 'tool',
  'tool.call.failed': 'tool',
  'rate-limit.denied': 'state',
  'circuit-breaker.state-changed': 'state',
  'memory.cleared': 'state',
  'cache.hit': 'state',
  'cache.miss': 'state',
  'lease.acquired': 'state',
  'lease.released': 'state',
  'lease.lost': 'state',
  'job.enqueued': 'state',
  'job.started': 'state',
  'job.completed': 'state',
  'job.failed': 'state',
};

export const knownAuditEventTypes = Object.keys(auditEventDataSchemas) as KnownAuditEventType[];

export function isKnownAuditEventType(type: string): type is KnownAuditEventType {
  return Object.hasOwn(auditEventDataSchemas, type);
}

/** `custom`, or `custom.` followed by letters, digits, `.`, `_`, `-` (at most 128 characters). */
export const customAuditEventTypeSchema = z
  .string()
  .max(128)
  .regex(/^custom(\.[A-Za-z0-9_.-]+)?$/, 'must be a known event type, `custom` or `custom.<name>`');

interface AuditEventEnvelope {
  /** Tenant whose chain receives the event. @default the log's `defaultTenantId` ('default') */
  tenantId?: string;
  userId?: string;
  conversationId?: string;
  runId?: string;
}

/** What `AuditLog.record` takes: typed per event type; custom events must name their layer. */
export type AuditEventInput<Type extends AuditEventType = AuditEventType> = Type extends KnownAuditEventType
  ? AuditEventEnvelope & {
      type: Type;
      /** @default the type's layer (`auditEventLayers`) */
      layer?: AuditLayer;
      data: AuditEventDataMap[Type];
    }
  : Type extends CustomAuditEventType
    ? AuditEventEnvelope & { type: Type; layer: AuditLayer; data: Record<string, unknown> }
    : never;

/** The envelope every event is checked against before its data is checked by type. */
export const auditEventEnvelopeSchema = z.object({
  layer: auditLayerSchema.optional(),
  type: z.string().min(1).max(128),
  tenantId: idSchema.optional(),
  userId: idSchema.optional(),
  conversationId: idSchema.optional(),
  runId: idSchema.optional(),
  data: z.record(z.string(), payload),
});

/** An event as stored: redacted, timestamped by the store, and linked into its tenant's hash chain. */
export interface AuditEvent {
  /** Stream-style id `<ms>-<n>`, ordered within the tenant. */
  id: string;
  tenantId: string;
  /** 1-based position in the tenant's chain (survives trimming). */
  sequence: number;
  /** Milliseconds since the epoch, taken from the store's clock (Redis `TIME`). */
  timestamp: number;
  layer: AuditLayer;
  type: AuditEventType;
  userId?: string;
  conversationId?: string;
  runId?: string;
  data: Record<string, unknown>;
  /** Hash of the previous entry (or the tenant's genesis hash). */
  previousHash: string;
  /** SHA-1 over previousHash, sequence, id, layer, type, ids and the data's JSON. */
  hash: string;
}
