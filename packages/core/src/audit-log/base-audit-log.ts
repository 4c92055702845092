import type { z } from 'zod';
import { validateId } from '../ids.js';
import { parseInput } from '../validation.js';
import type { AuditChainHead, AuditVerifyResult } from './audit-chain.js';
import type { AuditEvent, AuditEventInput, AuditEventType } from './audit-event.js';
import {
  auditQuerySchema,
  auditTrimOptionsSchema,
  auditVerifyOptionsSchema,
  type AuditLog,
  type AuditLogOptions,
  type AuditPage,
  type AuditQuery,
  type AuditTrimOptions,
  type AuditTrimResult,
  type AuditVerifyOptions,
  type ParsedAuditQuery,
} from './audit-log.js';
import {
  prepareAuditEvent,
  resolveAuditLogOptions,
  type PreparedAuditEvent,
  type ResolvedAuditLogOptions,
} from './prepare-audit-event.js';

export type ParsedAuditVerifyOptions = z.output<typeof auditVerifyOptionsSchema>;
export type ParsedAuditTrimOptions = z.output<typeof auditTrimOptionsSchema>;

/**
 * What every `AuditLog` driver shares: option parsing, event validation and redaction
 * (`prepareAuditEvent`), query, verify and trim validation, and the default tenant. A driver
 * supplies five store operations on validated input. For driver authors.
 *
 * The contract does not include: the clock (`append` stamps events with the store's time, so ids
 * of concurrent writers are ordered by one clock), key or table layout, secondary indexes (a
 * driver may scan instead), how `verify` pages through a long chain, and live tailing (`follow`
 * is a Redis driver extra).
 */
export abstract class BaseAuditLog implements AuditLog {
  protected readonly options: ResolvedAuditLogOptions;

  protected constructor(
    options: AuditLogOptions,
    protected readonly driver: string,
  ) {
    this.options = resolveAuditLogOptions(options, driver);
  }

  /**
   * Appends one prepared event atomically: the next `<ms>-<n>` id from the store's clock, the
   * next sequence, `previousHash` = the tenant's head, the new hash (`hashAuditEntry`), the new
   * head; with `retentionMs`, drops a bounded batch of expired entries first. Returns the event as
   * stored.
   */
  protected abstract append(event: PreparedAuditEvent): Promise<AuditEvent>;
  /** One page of `query.tenantId ?? defaultTenantId`'s events, in `query.order`, after `query.cursor`. */
  protected abstract readPage(query: ParsedAuditQuery): Promise<AuditPage>;
  /** Walks the tenant's chain (within `from`/`to`) with an `AuditChainVerifier`. */
  protected abstract verifyTenant(
    tenantId: string,
    options: ParsedAuditVerifyOptions,
  ): Promise<AuditVerifyResult>;
  /** The tenant's head, including its anchor after trims (genesis when it has no events). */
  protected abstract readHead(tenantId: string): Promise<AuditChainHead>;
  /** Removes the tenant's entries older than `options.before`, moving the anchor; the count removed. */
  protected abstract removeBefore(tenantId: string, options: ParsedAuditTrimOptions): Promise<number>;

  async record<Type extends AuditEventType>(input: AuditEventInput<Type>): Promise<AuditEvent> {
    return this.append(prepareAuditEvent(input, this.options, this.driver));
  }

  async query(query: AuditQuery = {}): Promise<AuditPage> {
    return this.readPage(parseInput(auditQuerySchema, query, { what: 'audit query', driver: this.driver }));
  }

  async verify(tenantId?: string, options: AuditVerifyOptions = {}): Promise<AuditVerifyResult> {
    const tenant = this.tenantOf(tenantId);
    const parsed = parseInput(auditVerifyOptionsSchema, options, {
      what: 'verify options',
      driver: this.driver,
    });
    return this.verifyTenant(tenant, parsed);
  }

  async head(tenantId?: string): Promise<AuditChainHead> {
    return this.readHead(this.tenantOf(tenantId));
  }

  async trim(tenantId: string | undefined, options: AuditTrimOptions): Promise<AuditTrimResult> {
    const tenant = this.tenantOf(tenantId);
    const parsed = parseInput(auditTrimOptionsSchema, options, { what: 'trim options', driver: this.driver });
    const removed = await this.removeBefore(tenant, parsed);
    return { removed, head: await this.readHead(tenant) };
  }

  /** A validated tenant id, the default tenant when none is given. */
  protected tenantOf(tenantId: string | undefined): string {
    return validateId(tenantId ?? this.options.defaultTenantId, 'tenantId', this.driver);
  }
}
