import { setTimeout as sleep } from 'node:timers/promises';
import {
  type AuditChainHead,
  type AuditEvent,
  type AuditFollowOptions,
  type AuditEventType,
  type AuditLogOptions,
  type AuditPage,
  type AuditQuery,
  type AuditVerifyResult,
  InvalidOptionsError,
  validateId,
} from '@tristack/core';
import {
  AuditChainVerifier,
  BaseAuditLog,
  type AuditChainEntry,
  type ParsedAuditQuery,
  type ParsedAuditTrimOptions,
  type ParsedAuditVerifyOptions,
  type PreparedAuditEvent,
  type RedisConnection,
  auditFollowOptionsSchema,
  auditGenesisHash,
  auditQuerySchema,
  compareAuditIds,
  parseInput,
} from '@tristack/core/driver-kit';
import { toRedisConnection } from '../connection.js';
import { type RedisDriverOptions, splitRedisDriverOptions } from '../driver-options.js';
import { type RawStreamEntry, auditEventOf, chainEntryOf } from './audit-log-entries.js';
import { type AuditLogKeys, auditLogKeys } from './audit-log-keys.js';
import { RedisAuditLogInspector } from './redis-audit-log-inspector.js';
import { HEAD_FIELDS, queryScript, recordScript, trimScript, verifyPageScript } from './audit-log-scripts.js';

const DRIVER = 'redis';
/** Highest sequence part of a stream id: `<ms>-MAX` ends a millisecond. */
const LAST_IN_MS = '18446744073709551615';
/** Tenants whose keys and genesis hash `record` keeps at hand (the cache starts over when full). */
const TENANT_CACHE_SIZE = 1_000;

export interface RedisAuditLogOptions extends AuditLogOptions, RedisDriverOptions {
  /** Entries removed per `record` when `retentionMs` is set (bounds the write's extra work). @default 100 */
  retentionBatchSize?: number;
}

interface ScannedPage {
  events: AuditEvent[];
  /** Last id the scan reached (matching or not). */
  lastScanned?: string;
  more: boolean;
}

/** The head from its hash fields (`HEAD_FIELDS` order; null or '' when unset). */
function headOf(tenantId: string, fields: readonly (string | null)[]): AuditChainHead {
  const [sequence, hash, ms, counter, anchorSequence, anchorHash, anchorId] = fields.map(
    (value) => value || undefined,
  );
  const anchor = {
    sequence: Number(anchorSequence ?? 0),
    hash: anchorHash ?? auditGenesisHash(tenantId),
    ...(anchorId ? { id: anchorId } : {}),
  };
  return {
    tenantId,
    sequence: sequence ? Number(sequence) : anchor.sequence,
    hash: hash ?? anchor.hash,
    ...(ms ? { lastId: `${ms}-${counter ?? 0}` } : {}),
    anchor,
  };
}

/**
 * `AuditLog` on Redis Streams. Each tenant's log is one stream whose entries form a hash chain;
 * `record` is one script (server time, next id, SHA-1 link, XADD, head, secondary indexes), so
 * concurrent writers from many processes still build one valid chain. Queries read one page per
 * round trip through secondary index streams (by user, conversation, run, type) that hold the
 * log's ids. Every key of a tenant shares its hash tag, so it runs on Redis Cluster. Core commands
 * only (Redis ≥ 6.2, Valkey).
 */
export class RedisAuditLog extends BaseAuditLog {
  private readonly connection: RedisConnection;
  private readonly prefix: string;
  private readonly retentionBatchSize: number;
  private readonly tenants = new Map<string, { keys: AuditLogKeys; genesisHash: string }>();

  constructor(options: RedisAuditLogOptions) {
    const { client, prefix, rest } = splitRedisDriverOptions(options, 'RedisAuditLog');
    const { retentionBatchSize = 100, ...shared } = rest;
    super(shared, DRIVER);
    if (!Number.isInteger(retentionBatchSize) || retentionBatchSize < 1 || retentionBatchSize > 10_000)
      throw new InvalidOptionsError(
        'invalid RedisAuditLog options: retentionBatchSize: an integer in 1..10000',
        {
          driver: DRIVER,
        },
      );
    this.retentionBatchSize = retentionBatchSize;
    this.connection = toRedisConnection(client, DRIVER);
    this.prefix = prefix;
  }

  /** A tenant's keys and genesis hash, kept for the tenants recorded to last (a SHA-1 per record saved). */
  private tenantConstants(tenantId: string): { keys: AuditLogKeys; genesisHash: string } {
    let constants = this.tenants.get(tenantId);
    if (!constants) {
      if (this.tenants.size >= TENANT_CACHE_SIZE) this.tenants.clear();
      constants = { keys: auditLogKeys(this.prefix, tenantId), genesisHash: auditGenesisHash(tenantId) };
      this.tenants.set(tenantId, constants);
    }
    return constants;
  }

  /** The keys of a tenant's log (for tools such as the CLI, and for tests). */
  keys(tenantId?: string): AuditLogKeys {
    return auditLogKeys(
      this.prefix,
      validateId(tenantId ?? this.options.defaultTenantId, 'tenantId', DRIVER),
    );
  }

  /** A read-only view of the tenants under this log's prefix. */
  inspector(): RedisAuditLogInspector {
    return new RedisAuditLogInspector({ client: this.connection, prefix: this.prefix });
  }

  protected async append(event: PreparedAuditEvent): Promise<AuditEvent> {
    const { keys, genesisHash } = this.tenantConstants(event.tenantId);
    const indexes = [keys.index('type', event.type)];
    if (event.userId) indexes.push(keys.index('user', event.userId));
    // A conversation without a user has no index: `query` addresses a conversation with its user.
    if (event.userId && event.conversationId)
      indexes.push(keys.conversationIndex(event.userId, event.conversationId));
    if (event.runId) indexes.push(keys.index('run', event.runId));
    const reply = (await recordScript.run(
      this.connection,
      [keys.log, keys.head, keys.registry, ...indexes],
      [
        genesisHash,
        event.layer,
        event.type,
        event.userId ?? '',
        event.conversationId ?? '',
        event.runId ?? '',
        event.dataJson,
        this.options.retentionMs === undefined ? '' : String(this.options.retentionMs),
        String(this.retentionBatchSize),
      ],
    )) as [string, string, string, string, string];
    const [id, sequence, previousHash, hash, timestamp] = reply;
    return {
      id,
      tenantId: event.tenantId,
      sequence: Number(sequence),
      timestamp: Number(timestamp),
      layer: event.layer,
      type: event.type as AuditEventType,
      ...(event.userId ? { userId: event.userId } : {}),
      ...(event.conversationId ? { conversationId: event.conversationId } : {}),
      ...(event.runId ? { runId: event.runId } : {}),
      data: event.data,
      previousHash,
      hash,
    };
  }

  protected async readPage(parsed: ParsedAuditQuery): Promise<AuditPage> {
    const page = await this.scanPage(parsed);
    return page.more && page.lastScanned
      ? { events: page.events, nextCursor: page.lastScanned }
      : { events: page.events };
  }

  /**
   * Tails the events matching `query` as they are recorded, from the tenant's current head (or
   * from `query.cursor` / `query.from`). Waits with XREAD BLOCK on a duplicate connection when the
   * client can duplicate, else polls. Ends when `signal` aborts.
   */
  async *follow(query: AuditQuery = {}, options: AuditFollowOptions = {}): AsyncGenerator<AuditEvent> {
    const parsed = parseInput(
      auditQuerySchema,
      { ...query, order: 'asc' },
      { what: 'audit query', driver: DRIVER },
    );
    const { signal, blockMs } = parseInput(auditFollowOptionsSchema, options, {
      what: 'follow options',
      driver: DRIVER,
    });
    const tenantId = parsed.tenantId ?? this.options.defaultTenantId;
    let cursor = parsed.cursor;
    if (!cursor && parsed.from === undefined) cursor = (await this.head(tenantId)).lastId;
    const source = this.sourceKey(auditLogKeys(this.prefix, tenantId), parsed);
    const blocking = this.connection.duplicate ? await this.connection.duplicate() : undefined;
    const onAbort = () => void blocking?.close();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      while (!signal?.aborted) {
        const page = await this.scanPage({ ...parsed, ...(cursor ? { cursor } : {}) });
        yield* page.events;
        cursor = page.lastScanned ?? cursor;
        if (page.more) continue;
        if (signal?.aborted) return;
        if (blocking) {
          await blocking
            .sendCommand(['XREAD', 'BLOCK', String(blockMs), 'STREAMS', source, cursor ?? '0-0'], {
              key: source,
            })
            .catch((error: unknown) => {
              if (!signal?.aborted) throw error;
            });
        } else {
          // An abort ends the pause early; the loop condition then stops the tail.
          await sleep(blockMs, undefined, { signal }).catch(() => undefined);
        }
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      await blocking?.close();
    }
  }

  protected async verifyTenant(tenant: string, parsed: ParsedAuditVerifyOptions): Promise<AuditVerifyResult> {
    const keys = auditLogKeys(this.prefix, tenant);
    let start: AuditChainEntry | undefined;
    if (parsed.from !== undefined) {
      const before = (await this.connection.sendCommand(
        ['XREVRANGE', keys.log, `(${parsed.from}-0`, '-', 'COUNT', '1'],
        { key: keys.log, readonly: true },
      )) as RawStreamEntry[];
      if (before[0]) start = chainEntryOf(before[0]);
    }
    const high = parsed.to !== undefined ? `${parsed.to}-${LAST_IN_MS}` : '+';
    let low = parsed.from !== undefined ? `${parsed.from}-0` : '-';
    let verifier: AuditChainVerifier | undefined;
    let head: AuditChainHead;
    let beyondHead: RawStreamEntry[] = [];
    for (;;) {
      const reply = (await verifyPageScript.run(
        this.connection,
        [keys.log, keys.head],
        [low, high, String(parsed.pageSize)],
      )) as unknown[];
      head = headOf(tenant, reply.slice(0, HEAD_FIELDS.length) as string[]);
      verifier ??= new AuditChainVerifier(start ?? head.anchor);
      const page = reply.slice(HEAD_FIELDS.length) as RawStreamEntry[];
      const last = page.length < parsed.pageSize;
      // On the last page, read with the head in one script, entries past the head's newest id
      // were not appended by the record script (which moves the head in the same step).
      const covered =
        last && parsed.to === undefined
          ? page.filter((raw) => head.lastId !== undefined && compareAuditIds(raw[0], head.lastId) <= 0)
          : page;
      if (covered.length < page.length) beyondHead = page.slice(covered.length);
      for (const raw of covered) verifier.push(chainEntryOf(raw));
      if (last) break;
      low = `(${page.at(-1)![0]}`;
    }
    const issues = verifier.finish(parsed.to === undefined ? head : undefined);
    const [firstBeyond] = beyondHead;
    if (firstBeyond) {
      const entry = chainEntryOf(firstBeyond);
      issues.push({
        kind: 'inserted',
        id: entry.id,
        sequence: entry.sequence,
        after: { ...(head.lastId ? { id: head.lastId } : {}), sequence: head.sequence },
        message: `${beyondHead.length} entr${beyondHead.length === 1 ? 'y' : 'ies'} from ${entry.id} on lie past the head (sequence ${head.sequence}): appended outside the log, or the head was reset`,
      });
    }
    return {
      tenantId: tenant,
      valid: issues.length === 0,
      checked: verifier.checked + beyondHead.length,
      issues,
      head,
    };
  }

  protected async readHead(tenant: string): Promise<AuditChainHead> {
    const keys = auditLogKeys(this.prefix, tenant);
    const fields = (await this.connection.sendCommand(['HMGET', keys.head, ...HEAD_FIELDS], {
      key: keys.head,
      readonly: true,
    })) as (string | null)[];
    return headOf(tenant, fields);
  }

  protected async removeBefore(tenant: string, parsed: ParsedAuditTrimOptions): Promise<number> {
    const keys = auditLogKeys(this.prefix, tenant);
    let removed = 0;
    // Bounded batches: one huge XTRIM could stall the server for every other client.
    for (;;) {
      const batch = Number(
        await trimScript.run(
          this.connection,
          [keys.log, keys.head, keys.registry],
          [String(parsed.before), String(parsed.batchSize)],
        ),
      );
      removed += batch;
      if (batch < parsed.batchSize) break;
    }
    return removed;
  }

  private sourceKey(keys: AuditLogKeys, query: ParsedAuditQuery): string {
    // The most selective index that applies; the script checks every other filter.
    if (query.runId) return keys.index('run', query.runId);
    // The schema requires userId with conversationId; the index answers both filters.
    if (query.conversationId && query.userId)
      return keys.conversationIndex(query.userId, query.conversationId);
    if (query.userId) return keys.index('user', query.userId);
    if (query.type) return keys.index('type', query.type);
    return keys.log;
  }

  private async scanPage(query: ParsedAuditQuery): Promise<ScannedPage> {
    const tenantId = query.tenantId ?? this.options.defaultTenantId;
    const keys = auditLogKeys(this.prefix, tenantId);
    const source = this.sourceKey(keys, query);
    const upper = query.to !== undefined ? `${query.to}-${LAST_IN_MS}` : '+';
    const lower = query.from !== undefined ? `${query.from}-0` : query.order === 'asc' ? '0-0' : '-';
    const start = query.cursor ?? (query.order === 'asc' ? lower : upper);
    const stop = query.order === 'asc' ? upper : lower;
    // Filters the source does not answer by itself make the script scan further for a full page.
    const answered = source === keys.log ? 0 : query.conversationId && !query.runId ? 2 : 1;
    const extraFilters =
      [query.runId, query.conversationId, query.userId, query.type, query.layer].filter(
        (value) => value !== undefined,
      ).length > answered;
    const budget = extraFilters ? Math.min(query.limit * 10, 10_000) : query.limit + 1;
    const reply = (await queryScript.run(
      this.connection,
      [source, keys.log, keys.head],
      [
        query.order,
        start,
        query.cursor ? '1' : '0',
        stop,
        String(query.limit),
        String(budget),
        query.layer ?? '',
        query.type ?? '',
        query.userId ?? '',
        query.conversationId ?? '',
        query.runId ?? '',
      ],
    )) as [string, string, ...RawStreamEntry[]];
    const [more, lastScanned, ...entries] = reply;
    return {
      events: entries.map((raw) => auditEventOf(tenantId, raw)),
      ...(lastScanned ? { lastScanned } : {}),
      more: more === '1',
    };
  }
}
