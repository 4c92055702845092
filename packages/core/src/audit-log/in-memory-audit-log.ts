import { type Clock, systemClock } from '../clock.js';
import { discoverNames } from '../discover-names.js';
import type { AuditLogInspector } from './audit-log-inspector.js';
import {
  type AuditChainEntry,
  type AuditChainHead,
  AuditChainVerifier,
  type AuditVerifyResult,
  auditGenesisHash,
  hashAuditEntry,
} from './audit-chain.js';
import type { AuditEvent, AuditEventType } from './audit-event.js';
import type { AuditLogOptions, AuditPage, ParsedAuditQuery } from './audit-log.js';
import { matchesAuditQuery, compareAuditIds } from './audit-query.js';
import {
  BaseAuditLog,
  type ParsedAuditTrimOptions,
  type ParsedAuditVerifyOptions,
} from './base-audit-log.js';
import type { PreparedAuditEvent } from './prepare-audit-event.js';

const driver = 'memory';

/** @internal */
export interface StoredEntry {
  event: AuditEvent;
  chain: AuditChainEntry;
}

/** @internal */
export interface TenantLog {
  entries: StoredEntry[];
  lastMs: number;
  lastCounter: number;
  anchor: { sequence: number; hash: string; id?: string };
}

/** The tenants' logs; share one between several `InMemoryAuditLog`s to act like one deployment. */
export class InMemoryAuditStore {
  /** @internal */
  readonly tenants = new Map<string, TenantLog>();
}

export interface InMemoryAuditLogOptions extends AuditLogOptions {
  /** @default systemClock */
  clock?: Clock;
  /** @default a store of its own */
  store?: InMemoryAuditStore;
}

/**
 * AuditLog in process memory: same ids, chain, redaction and queries as the Redis driver, for
 * tests and single-process development. Lost on exit.
 */
export class InMemoryAuditLog extends BaseAuditLog {
  private readonly clock: Clock;
  private readonly tenants: Map<string, TenantLog>;

  constructor(options: InMemoryAuditLogOptions = {}) {
    const { clock, store, ...shared } = options;
    super(shared, driver);
    this.clock = clock ?? systemClock;
    this.tenants = (store ?? new InMemoryAuditStore()).tenants;
  }

  /** A read-only view of the tenants in this log's store. */
  inspector(): AuditLogInspector {
    return {
      tenants: async (options) =>
        discoverNames(
          [...this.tenants]
            .filter(([, log]) => log.entries.length > 0 || log.anchor.sequence > 0)
            .map(([id]) => id),
          options,
        ),
    };
  }

  protected async append(prepared: PreparedAuditEvent): Promise<AuditEvent> {
    const log = this.tenant(prepared.tenantId);
    const now = Math.floor(this.clock.now());
    // Same id scheme as Redis streams: `<ms>-<n>`, strictly increasing even if the clock stalls.
    if (now > log.lastMs) {
      log.lastMs = now;
      log.lastCounter = 0;
    } else {
      log.lastCounter += 1;
    }
    const id = `${log.lastMs}-${log.lastCounter}`;
    const previous = log.entries.at(-1)?.event ?? log.anchor;
    const { data: _data, dataJson, tenantId, ...envelope } = prepared;
    const unhashed = {
      ...envelope,
      id,
      sequence: previous.sequence + 1,
      previousHash: previous.hash,
      dataJson,
    };
    const chain: AuditChainEntry = { ...unhashed, hash: hashAuditEntry(unhashed) };
    const event: AuditEvent = {
      id,
      tenantId,
      sequence: chain.sequence,
      timestamp: log.lastMs,
      ...envelope,
      type: envelope.type as AuditEventType,
      data: JSON.parse(dataJson) as Record<string, unknown>,
      previousHash: chain.previousHash,
      hash: chain.hash,
    };
    log.entries.push({ event, chain });
    if (this.options.retentionMs !== undefined) this.trimTenant(log, now - this.options.retentionMs, 100);
    return structuredClone(event);
  }

  protected async readPage(parsed: ParsedAuditQuery): Promise<AuditPage> {
    const log = this.tenants.get(parsed.tenantId ?? this.options.defaultTenantId);
    if (!log) return { events: [] };
    const ordered = parsed.order === 'asc' ? log.entries : [...log.entries].reverse();
    const events: AuditEvent[] = [];
    let lastScanned: string | undefined;
    let more = false;
    for (const { event } of ordered) {
      if (parsed.cursor) {
        const side = compareAuditIds(event.id, parsed.cursor);
        if (parsed.order === 'asc' ? side <= 0 : side >= 0) continue;
      }
      if (!matchesAuditQuery(event, parsed)) continue;
      if (events.length === parsed.limit) {
        more = true;
        break;
      }
      events.push(structuredClone(event));
      lastScanned = event.id;
    }
    return more && lastScanned ? { events, nextCursor: lastScanned } : { events };
  }

  protected async verifyTenant(tenant: string, parsed: ParsedAuditVerifyOptions): Promise<AuditVerifyResult> {
    const head = await this.readHead(tenant);
    const entries = this.tenants.get(tenant)?.entries ?? [];
    const startIndex =
      parsed.from === undefined ? 0 : entries.findIndex((entry) => entry.event.timestamp >= parsed.from!);
    const before = startIndex > 0 ? entries[startIndex - 1]!.chain : undefined;
    const verifier = new AuditChainVerifier(before ?? head.anchor);
    if (startIndex >= 0) {
      for (const { chain, event } of entries.slice(startIndex)) {
        if (parsed.to !== undefined && event.timestamp > parsed.to) break;
        verifier.push(chain);
      }
    }
    const issues = verifier.finish(parsed.to === undefined ? head : undefined);
    return { tenantId: tenant, valid: issues.length === 0, checked: verifier.checked, issues, head };
  }

  protected async readHead(tenant: string): Promise<AuditChainHead> {
    const log = this.tenants.get(tenant);
    const anchor = log?.anchor ?? { sequence: 0, hash: auditGenesisHash(tenant) };
    const last = log?.entries.at(-1)?.event;
    return {
      tenantId: tenant,
      sequence: last?.sequence ?? anchor.sequence,
      hash: last?.hash ?? anchor.hash,
      ...(last ? { lastId: last.id } : anchor.id ? { lastId: anchor.id } : {}),
      anchor: { ...anchor },
    };
  }

  protected async removeBefore(tenant: string, parsed: ParsedAuditTrimOptions): Promise<number> {
    const log = this.tenants.get(tenant);
    return log ? this.trimTenant(log, parsed.before, Number.POSITIVE_INFINITY) : 0;
  }

  private trimTenant(log: TenantLog, before: number, max: number): number {
    let count = 0;
    while (count < max && count < log.entries.length && log.entries[count]!.event.timestamp < before)
      count += 1;
    if (count === 0) return 0;
    const last = log.entries[count - 1]!.event;
    log.anchor = { sequence: last.sequence, hash: last.hash, id: last.id };
    log.entries.splice(0, count);
    return count;
  }

  private tenant(tenantId: string): TenantLog {
    let log = this.tenants.get(tenantId);
    if (!log) {
      log = {
        entries: [],
        lastMs: 0,
        lastCounter: -1,
        anchor: { sequence: 0, hash: auditGenesisHash(tenantId) },
      };
      this.tenants.set(tenantId, log);
    }
    return log;
  }
}
