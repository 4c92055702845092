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

/**
 * Longest `retentionMs`: 2^47 ms (about 4,460 years). The record script subtracts it from the
 * server's clock and formats the cutoff as an integer: within this bound that stays exact.
 */
const MAX_AUDIT_RETENTION_MS = 2 ** 47;
/** Latest `trim({ before })`: the largest timestamp a JavaScript `Date` holds (year 275760). */
const MAX_AUDIT_TIMESTAMP_MS = 8_640_000_000_000_000;

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
   * chain's anchor). A positive integer up to 2^47 ms; unset keeps everything until `trim` is called.
   * @default undefined
   */
  retentionMs: z.number().int().positive().max(MAX_AUDIT_RETENTION_MS).optional(),
});
export type AuditLogOptions = z.input<typeof auditLogOptionsSchema>;

/** Largest value of either part of a stream id (Redis stores each as an unsigned 64-bit integer). */
const MAX_STREAM_ID_PART = 2n ** 64n - 1n;

/**
 * A cursor is a stream id `<ms>-<counter>`, each part at most 2^64 - 1. Neither the smallest id
 * (0-0) nor the largest can be an entry's, and each would make the next page's exclusive range
 * invalid in Redis.
 */
function isAuditCursorInRange(cursor: string): boolean {
  // Runs even when the format check failed: it must not throw on other text.
  if (!/^\d{1,20}-\d{1,20}$/.test(cursor)) return true;
  const [ms, counter] = cursor.split('-').map(BigInt) as [bigint, bigint];
  if (ms > MAX_STREAM_ID_PART || counter > MAX_STREAM_ID_PART) return false;
  if (ms === 0n && counter === 0n) return false;
  return !(ms === MAX_STREAM_ID_PART && counter === MAX_STREAM_ID_PART);
}

/** Largest page a query returns. */
export const MAX_AUDIT_PAGE = 1000;

export const auditQuerySchema = z
  .object({
    /** @default the log's `defaultTenantId` */
    tenantId: idSchema.optional(),
    /** Only this conversation of `userId` (required with it). */
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
      .regex(/^\d{1,20}-\d{1,20}$/, 'must be a cursor returned by query')
      .refine(isAuditCursorInRange, 'must be a cursor returned by query (a stream id within range)')
      .optional(),
    /** @default 'asc' (oldest first) */
    order: z.enum(['asc', 'desc']).default('asc'),
  })
  .refine((query) => query.conversationId === undefined || query.userId !== undefined, {
    // Conversation ids are per user (as in conversation memory): two users may both have '1'.
    message: 'conversationId needs userId: a conversation is identified by (user, conversation)',
    path: ['userId'],
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
  /** Remove entries older than this timestamp (ms since the epoch, exclusive; a valid `Date` time). */
  before: z.number().int().nonnegative().max(MAX_AUDIT_TIMESTAMP_MS),
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
