import { z } from 'zod';
import { idSchema } from '../ids.js';
import type { AuditChainHead, AuditVerifyResult } from './audit-chain.js';
import {
  type AuditEvent,
  type AuditEventInput,
  type AuditEventType,
  auditLayerSchema,
} from './audit-event.js';
import { Redactor, type RedactorOptions } from './redactor.js';

/** Tenant used when an event names none. */
export const DEFAULT_AUDIT_TENANT = 'default';

/** Options every AuditLog driver shares. */
export const auditLogOptionsSchema = z.object({
  /**
   * Removes secrets before anything is stored. Pass options to tune the built-in redactor, or your
   * own `Redactor`. Redaction cannot be turned off.
   * @default new Redactor()
   */
  redactor: z
    .union([z.instanceof(Redactor), z.custom<RedactorOptions>((value) => typeof value === 'object')])
    .optional(),
  /** Tenant of events that name none. @default 'default' */
  defaultTenantId: idSchema.default(DEFAULT_AUDIT_TENANT),
  /** Largest stored data JSON, in bytes; larger events are rejected with `InvalidInputError`. @default 65536 */
  maxEventBytes: z
    .number()
    .int()
    .min(256)
    .max(16 * 1024 * 1024)
    .default(64 * 1024),
  /**
   * Age after which entries are trimmed while recording (a bounded batch per `record`, keeping the
   * chain's anchor). Unset keeps everything until `trim` is called.
   * @default undefined
   */
  retentionMs: z.number().int().positive().optional(),
});
export type AuditLogOptions = z.input<typeof auditLogOptionsSchema>;

/** Largest page a query returns. */
export const MAX_AUDIT_PAGE = 1000;

export const auditQuerySchema = z.object({
  /** @default the log's `defaultTenantId` */
  tenantId: idSchema.optional(),
  conversationId: idSchema.optional(),
  userId: idSchema.optional(),
  runId: idSchema.optional(),
  type: z.string().min(1).max(128).optional(),
  layer: auditLayerSchema.optional(),
  /** Earliest timestamp, inclusive (ms since the epoch). */
  from: z.number().int().nonnegative().optional(),
  /** Latest timestamp, inclusive (ms since the epoch). */
  to: z.number().int().nonnegative().optional(),
  /** Events per page. @default 100 */
  limit: z.number().int().min(1).max(MAX_AUDIT_PAGE).default(100),
  /** `nextCursor` of the previous page. */
  cursor: z
    .string()
    .regex(/^\d+-\d+$/, 'must be a cursor returned by query')
    .optional(),
  /** @default 'asc' (oldest first) */
  order: z.enum(['asc', 'desc']).default('asc'),
});
export type AuditQuery = z.input<typeof auditQuerySchema>;
export type ParsedAuditQuery = z.output<typeof auditQuerySchema>;

export interface AuditPage {
  events: AuditEvent[];
  /** Pass back as `cursor` for the next page; absent when there is nothing more. */
  nextCursor?: string;
}

export const auditVerifyOptionsSchema = z.object({
  /** Check from this timestamp on (ms, inclusive); the entry before it anchors the check. */
  from: z.number().int().nonnegative().optional(),
  /** Check up to this timestamp (ms, inclusive); the stored head is compared only without `to`. */
  to: z.number().int().nonnegative().optional(),
  /** Entries read per round trip. @default 1000 */
  pageSize: z.number().int().min(1).max(10_000).default(1000),
});
export type AuditVerifyOptions = z.input<typeof auditVerifyOptionsSchema>;

export const auditTrimOptionsSchema = z.object({
  /** Remove entries older than this timestamp (ms since the epoch, exclusive). */
  before: z.number().int().nonnegative(),
  /** Entries removed per round trip, so a large trim never stalls the server. @default 1000 */
  batchSize: z.number().int().min(1).max(100_000).default(1000),
});
export type AuditTrimOptions = z.input<typeof auditTrimOptionsSchema>;

export const auditFollowOptionsSchema = z.object({
  /** Stops the tail. */
  signal: z.instanceof(AbortSignal).optional(),
  /** Longest wait for new entries per round trip (XREAD BLOCK or poll interval), ms. @default 1000 */
  blockMs: z.number().int().min(10).max(60_000).default(1000),
});
export type AuditFollowOptions = z.input<typeof auditFollowOptionsSchema>;

export interface AuditTrimResult {
  removed: number;
  head: AuditChainHead;
}

/**
 * One append-only, tamper-evident audit trail for the three layers. Every event is redacted,
 * validated against its type's schema, timestamped by the store and appended to its tenant's
 * hash chain. `record` resolves only once the event is stored.
 */
export interface AuditLog {
  /** Redacts, validates and appends one event; resolves with it as stored. */
  record<Type extends AuditEventType>(event: AuditEventInput<Type>): Promise<AuditEvent>;
  /** One page of a tenant's events, filtered by conversation, user, run, type, layer and time. */
  query(query?: AuditQuery): Promise<AuditPage>;
  /** Walks the tenant's chain and reports every edited, inserted or deleted entry. */
  verify(tenantId?: string, options?: AuditVerifyOptions): Promise<AuditVerifyResult>;
  /** The newest link of the tenant's chain (publish it elsewhere to anchor the chain externally). */
  head(tenantId?: string): Promise<AuditChainHead>;
  /** Removes entries older than `before`, keeping the anchor so `verify` still works on the rest. */
  trim(tenantId: string | undefined, options: AuditTrimOptions): Promise<AuditTrimResult>;
}
