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
  TristackError,
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
/** Secondary index keys `record` keeps at hand, over all tenants (the caches start over when full). */
const INDEX_KEY_CACHE_SIZE = 10_000;

/** What `record` keeps per tenant: its keys, its genesis hash and the index keys it built last. */
interface TenantConstants {
  keys: AuditLogKeys;
  genesisHash: string;
  /** [log, head, registry]: the script's first keys. */
  baseKeys: readonly [string, string, string];
  /** Index key by value, per kind; conversations by user, then conversation id. */
  indexKeys: Record<'type' | 'user' | 'run', Map<string, string>>;
  conversationKeys: Map<string, Map<string, string>>;
}

/** Events one record script call appends at most, and about the most data bytes (a bounded script run). */
const MAX_BATCH_EVENTS = 64;
const MAX_BATCH_DATA = 256 * 1024;

/** A prepared event waiting for its tenant's next batch. */
interface PendingRecord {
  event: PreparedAuditEvent;
  resolve(event: AuditEvent): void;
  reject(error: unknown): void;
}

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

/** The event as stored, from its prepared form and what the record script assigned it. */
function storedEvent(
  event: PreparedAuditEvent,
  id: string,
  sequence: number,
  previousHash: string,
  hash: string,
): AuditEvent {
  const stored = {
    id,
    tenantId: event.tenantId,
    sequence,
    timestamp: Number(id.slice(0, id.indexOf('-'))),
    layer: event.layer,
    type: event.type as AuditEventType,
  } as AuditEvent;
  if (event.userId) stored.userId = event.userId;
  if (event.conversationId) stored.conversationId = event.conversationId;
  if (event.runId) stored.runId = event.runId;
  stored.data = event.data;
  stored.previousHash = previousHash;
  stored.hash = hash;
  return stored;
}

/**
 * `AuditLog` on Redis Streams. Each tenant's log is one stream whose entries form a hash chain;
 * `record` is one script (server time, next id, SHA-1 link, XADD, head, secondary indexes), shared
 * by the events of a tenant recorded in the same turn of the event loop (see `append`), so
 * concurrent writers from many processes still build one valid chain. Queries read one page per
 * round trip through secondary index streams (by user, conversation, run, type) that hold the
 * log's ids. Every key of a tenant shares its hash tag, so it runs on Redis Cluster. Core commands
 * only (Redis ≥ 6.2, Valkey).
 */
export class RedisAuditLog extends BaseAuditLog {
  private readonly connection: RedisConnection;
  private readonly prefix: string;
  /** The record script's last two arguments (retention ms, trim batch), as sent. */
  private readonly retentionArguments: readonly [string, string];
  private readonly tenants = new Map<string, TenantConstants>();
  /** Index keys held by the tenants' caches, to bound them all. */
  private cachedIndexKeys = 0;
  /** Events waiting for their tenant's batch in flight to be answered, in call order (see `append`). */
  private readonly pending = new Map<string, PendingRecord[]>();
  /** Tenants with a batch in flight. */
  private readonly inFlight = new Set<string>();

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
    this.retentionArguments = [
      this.options.retentionMs === undefined ? '' : String(this.options.retentionMs),
      String(retentionBatchSize),
    ];
    this.connection = toRedisConnection(client, DRIVER);
    this.prefix = prefix;
  }

  /** A tenant's keys and genesis hash, kept for the tenants recorded to last (a SHA-1 per record saved). */
  private tenantConstants(tenantId: string): TenantConstants {
    let constants = this.tenants.get(tenantId);
    if (!constants) {
      if (this.tenants.size >= TENANT_CACHE_SIZE) this.forgetTenants();
      const keys = auditLogKeys(this.prefix, tenantId);
      constants = {
        keys,
        genesisHash: auditGenesisHash(tenantId),
        baseKeys: [keys.log, keys.head, keys.registry],
        indexKeys: { type: new Map(), user: new Map(), run: new Map() },
        conversationKeys: new Map(),
      };
      this.tenants.set(tenantId, constants);
    }
    return constants;
  }

  private forgetTenants(): void {
    this.tenants.clear();
    this.cachedIndexKeys = 0;
  }

  /** A secondary index key, built by `AuditLogKeys` once and then kept (users, runs and types repeat). */
  private indexKey(tenant: TenantConstants, kind: 'type' | 'user' | 'run', value: string): string {
    return this.kept(tenant.indexKeys[kind], value, () => tenant.keys.index(kind, value));
  }

  private conversationKey(tenant: TenantConstants, userId: string, conversationId: string): string {
    let byConversation = tenant.conversationKeys.get(userId);
    if (!byConversation) tenant.conversationKeys.set(userId, (byConversation = new Map()));
    return this.kept(byConversation, conversationId, () =>
      tenant.keys.conversationIndex(userId, conversationId),
    );
  }

  /** `cache`'s key for `value`, built once; every cache starts over past `INDEX_KEY_CACHE_SIZE` keys. */
  private kept(cache: Map<string, string>, value: string, build: () => string): string {
    let key = cache.get(value);
    if (key === undefined) {
      key = build();
      if (++this.cachedIndexKeys > INDEX_KEY_CACHE_SIZE) this.forgetTenants();
      cache.set(value, key);
    }
    return key;
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

  /**
   * Sends the event at once when its tenant has no batch in flight; otherwise queues it for the
   * tenant's next batch, sent when the one in flight is answered. Under load (at 50 in flight, the
   * callers that one reply resumes) the events of a tenant thus go to its chain in one script call,
   * in call order, exactly as if recorded one by one (same entries, ids, hashes, head and index
   * entries): the server runs the script's fixed work (TIME, head read and write) once per batch,
   * and both sides handle one command, not one per event. A lone event waits for nothing (a
   * `record` followed by closing the client still lands). Batches are bounded
   * (`MAX_BATCH_EVENTS`, `MAX_BATCH_DATA`); a transport failure fails the batch's callers, an
   * index that fails fails only its own event's caller (the event is in the chain).
   */
  protected append(event: PreparedAuditEvent): Promise<AuditEvent> {
    return new Promise((resolve, reject) => {
      const record = { event, resolve, reject };
      const queue = this.pending.get(event.tenantId);
      if (queue) queue.push(record);
      else if (this.inFlight.has(event.tenantId)) this.pending.set(event.tenantId, [record]);
      else this.send(event.tenantId, [record]);
    });
  }

  /** Sends one bounded batch of `records`; what does not fit waits for the next. */
  private send(tenantId: string, records: PendingRecord[]): void {
    let end = 1;
    let size = records[0]!.event.dataJson.length;
    while (end < records.length && end < MAX_BATCH_EVENTS) {
      size += records[end]!.event.dataJson.length;
      if (size > MAX_BATCH_DATA) break;
      end += 1;
    }
    const batch = end === records.length ? records : records.slice(0, end);
    if (end < records.length) this.pending.set(tenantId, records.slice(end));
    this.inFlight.add(tenantId);
    const next = () => {
      this.inFlight.delete(tenantId);
      const waiting = this.pending.get(tenantId);
      if (waiting) {
        this.pending.delete(tenantId);
        this.send(tenantId, waiting);
      }
    };
    this.sendBatch(tenantId, batch).then(
      (reply) => {
        // The next batch goes out before this one's callers resume.
        next();
        try {
          this.resolveBatch(batch, reply);
        } catch (error) {
          // A reply of another shape; callers already settled keep their result.
          for (const record of batch) record.reject(error);
        }
      },
      (error: unknown) => {
        next();
        for (const record of batch) record.reject(error);
      },
    );
  }

  /** Settles a batch's callers from the script's reply: first sequence, first previous hash, then id and hash per event. */
  private resolveBatch(records: readonly PendingRecord[], reply: unknown): void {
    const values = reply as (string | number)[];
    let sequence = Number(values[0]);
    let previousHash = String(values[1]);
    // After the ids and hashes: the events whose index write failed, and why.
    const failed = new Map<number, string>();
    for (let at = 2 + 2 * records.length; at + 1 < values.length; at += 2)
      failed.set(Number(values[at]) - 1, String(values[at + 1]));
    for (let index = 0; index < records.length; index += 1) {
      const id = String(values[2 * index + 2]);
      const hash = String(values[2 * index + 3]);
      const failure = failed.get(index);
      if (failure === undefined)
        records[index]!.resolve(storedEvent(records[index]!.event, id, sequence, previousHash, hash));
      else
        records[index]!.reject(
          new TristackError(
            'INTEGRITY',
            `audit event ${id} is in the chain but not in every index: ${failure}`,
            {
              driver: DRIVER,
            },
          ),
        );
      sequence += 1;
      previousHash = hash;
    }
  }

  /** One record script call appending `records` to the tenant's chain. */
  private sendBatch(tenantId: string, records: readonly PendingRecord[]): Promise<unknown> {
    try {
      const tenant = this.tenantConstants(tenantId);
      const keys: string[] = [...tenant.baseKeys];
      const positions = new Map<string, string>();
      const position = (key: string): string => {
        let at = positions.get(key);
        if (at === undefined) {
          keys.push(key);
          positions.set(key, (at = String(keys.length)));
        }
        return at;
      };
      const [retentionMs, trimBatch] = this.retentionArguments;
      const args = [tenant.genesisHash, retentionMs, trimBatch, String(records.length)];
      for (const { event } of records) {
        const { userId, conversationId, runId } = event;
        const indexes = [position(this.indexKey(tenant, 'type', event.type))];
        if (userId) {
          indexes.push(position(this.indexKey(tenant, 'user', userId)));
          // A conversation without a user has no index: `query` addresses a conversation with its user.
          if (conversationId) indexes.push(position(this.conversationKey(tenant, userId, conversationId)));
        }
        if (runId) indexes.push(position(this.indexKey(tenant, 'run', runId)));
        args.push(
          event.layer,
          event.type,
          userId ?? '',
          conversationId ?? '',
          runId ?? '',
          event.dataJson,
          String(indexes.length),
          ...indexes,
        );
      }
      return recordScript.run(this.connection, keys, args);
    } catch (error) {
      return Promise.reject(error);
    }
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
