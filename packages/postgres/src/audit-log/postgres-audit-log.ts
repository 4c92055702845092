import { setTimeout as sleep } from 'node:timers/promises';
import {
  InvalidOptionsError,
  type AuditChainHead,
  type AuditEvent,
  type AuditEventType,
  type AuditFollowOptions,
  type AuditQuery,
  type AuditLogInspector,
  type AuditLogOptions,
  type AuditPage,
  type AuditVerifyResult,
  type Discovery,
  type DiscoveryOptions,
} from '@tristack/core';
import {
  AuditChainVerifier,
  BaseAuditLog,
  DEFAULT_DISCOVERY_LIMIT,
  auditFollowOptionsSchema,
  auditGenesisHash,
  auditQuerySchema,
  parseInput,
  type AuditChainEntry,
  type ParsedAuditQuery,
  type ParsedAuditTrimOptions,
  type ParsedAuditVerifyOptions,
  type PreparedAuditEvent,
} from '@tristack/core/driver-kit';
import type { Pool } from 'pg';
import { type PostgresDriverOptions, splitPostgresDriverOptions } from '../driver-options.js';
import { type Statement, runStatement, statement, toBackendError } from '../internal/sql.js';
import {
  type AuditEntryRow,
  type AuditHeadRow,
  ENTRY_COLUMNS,
  auditEventOf,
  chainEntryOf,
  headOf,
} from './audit-log-rows.js';

const DRIVER = 'postgres';
/** Largest value of a `bigint` column: cursor parts beyond it are clamped (no entry can be there). */
const MAX_BIGINT = 2n ** 63n - 1n;

export interface PostgresAuditLogOptions extends AuditLogOptions, PostgresDriverOptions {
  /** Entries removed per `record` when `retentionMs` is set (bounds the write's extra work). @default 100 */
  retentionBatchSize?: number;
}

/** The filters a page query applies, as the flags that pick its SQL text (and statement name). */
interface PageShape {
  order: 'asc' | 'desc';
  cursor: boolean;
  userId: boolean;
  conversationId: boolean;
  runId: boolean;
  type: boolean;
  layer: boolean;
  from: boolean;
  to: boolean;
}

/** Clamps one part of a `<ms>-<n>` cursor into `bigint` range, keeping its order against real ids. */
function cursorPart(text: string): string {
  const value = BigInt(text);
  return (value > MAX_BIGINT ? MAX_BIGINT : value).toString();
}

/**
 * `AuditLog` on PostgreSQL. Each tenant's chain is its rows of `audit_entries` plus one
 * `audit_heads` row; `record` is one call of the server-side `audit_append` function (locks the
 * head row, takes `clock_timestamp()`, derives the next id, hashes with pgcrypto's SHA-1, inserts,
 * moves the head), so concurrent writers from many processes build one valid chain with the same
 * hashes as `RedisAuditLog`. Queries read one page per round trip through indexes on user,
 * conversation, run and type. Verification runs in one `REPEATABLE READ` snapshot.
 */
export class PostgresAuditLog extends BaseAuditLog {
  private readonly pool: Pool;
  private readonly schema: string;
  private readonly retentionBatchSize: number;
  private readonly genesisHashes = new Map<string, string>();
  private readonly pageStatements = new Map<string, Statement>();
  private readonly statements;

  constructor(options: PostgresAuditLogOptions) {
    const { pool, schema, rest } = splitPostgresDriverOptions(options, 'PostgresAuditLog');
    const { retentionBatchSize = 100, ...shared } = rest;
    super(shared, DRIVER);
    if (!Number.isInteger(retentionBatchSize) || retentionBatchSize < 1 || retentionBatchSize > 10_000)
      throw new InvalidOptionsError(
        'invalid PostgresAuditLog options: retentionBatchSize: an integer in 1..10000',
        { driver: DRIVER },
      );
    this.pool = pool;
    this.schema = schema;
    this.retentionBatchSize = retentionBatchSize;
    this.statements = {
      append: statement(
        'audit.append',
        schema,
        (s) =>
          `SELECT id, sequence, previous_hash, hash, ms FROM ${s}.audit_append($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      ),
      head: statement(
        'audit.head',
        schema,
        (s) => `SELECT sequence, hash, last_ms, last_n, anchor_sequence, anchor_hash, anchor_id
                  FROM ${s}.audit_heads WHERE tenant_id = $1`,
      ),
      trim: statement('audit.trim', schema, (s) => `SELECT ${s}.audit_trim($1, $2, $3) AS removed`),
      before: statement(
        'audit.before',
        schema,
        (s) => `SELECT ${ENTRY_COLUMNS} FROM ${s}.audit_entries
                 WHERE tenant_id = $1 AND ms < $2 ORDER BY ms DESC, n DESC LIMIT 1`,
      ),
      verifyPage: statement(
        'audit.verify-page',
        schema,
        (s) => `SELECT ${ENTRY_COLUMNS} FROM ${s}.audit_entries
                 WHERE tenant_id = $1 AND (ms, n) > ($2, $3) AND ms <= $4 ORDER BY ms, n LIMIT $5`,
      ),
      tenants: statement(
        'audit.tenants',
        schema,
        (s) => `SELECT tenant_id FROM ${s}.audit_heads ORDER BY tenant_id LIMIT $1`,
      ),
    };
  }

  /** A read-only view of the tenants that have a chain in this schema. */
  inspector(): AuditLogInspector {
    return {
      tenants: async (options: DiscoveryOptions = {}): Promise<Discovery<string>> => {
        const limit = options.limit ?? DEFAULT_DISCOVERY_LIMIT;
        const rows = await runStatement<{ tenant_id: string }>(this.pool, this.statements.tenants, [
          limit + 1,
        ]);
        // Ordered by code unit like JavaScript's sort (COLLATE "C" orders by code point).
        const found = rows.map((row) => row.tenant_id).sort();
        return { found: found.slice(0, limit), undecodable: [], truncated: found.length > limit };
      },
    };
  }

  private genesisHash(tenantId: string): string {
    let hash = this.genesisHashes.get(tenantId);
    if (!hash) {
      // Bounded: a SHA-1 per record saved for the tenants recorded to last.
      if (this.genesisHashes.size >= 1000) this.genesisHashes.clear();
      hash = auditGenesisHash(tenantId);
      this.genesisHashes.set(tenantId, hash);
    }
    return hash;
  }

  /**
   * Tails the events matching `query` as they are recorded, from the tenant's current head (or
   * from `query.cursor` / `query.from`), like `RedisAuditLog.follow`. Polls every `blockMs` (one
   * indexed query per poll): a tail is an operator's tool, not worth a held LISTEN connection.
   * Ends when `signal` aborts.
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
    while (!signal?.aborted) {
      const page = await this.query({ ...query, tenantId, order: 'asc', ...(cursor ? { cursor } : {}) });
      yield* page.events;
      // Rows are filtered in SQL: the last event returned is where the next page starts.
      cursor = page.events.at(-1)?.id ?? cursor;
      if (page.nextCursor) continue;
      if (signal?.aborted) return;
      // An abort ends the pause early; the loop condition then stops the tail.
      await sleep(blockMs, undefined, { signal }).catch(() => undefined);
    }
  }

  protected async append(event: PreparedAuditEvent): Promise<AuditEvent> {
    const [row] = await runStatement<{
      id: string;
      sequence: string;
      previous_hash: string;
      hash: string;
      ms: string;
    }>(this.pool, this.statements.append, [
      event.tenantId,
      this.genesisHash(event.tenantId),
      event.layer,
      event.type,
      event.userId ?? null,
      event.conversationId ?? null,
      event.runId ?? null,
      event.dataJson,
      this.options.retentionMs ?? null,
      this.retentionBatchSize,
    ]);
    return {
      id: row!.id,
      tenantId: event.tenantId,
      sequence: Number(row!.sequence),
      timestamp: Number(row!.ms),
      layer: event.layer,
      type: event.type as AuditEventType,
      ...(event.userId ? { userId: event.userId } : {}),
      ...(event.conversationId ? { conversationId: event.conversationId } : {}),
      ...(event.runId ? { runId: event.runId } : {}),
      data: event.data,
      previousHash: row!.previous_hash,
      hash: row!.hash,
    };
  }

  protected async readPage(query: ParsedAuditQuery): Promise<AuditPage> {
    const tenantId = query.tenantId ?? this.options.defaultTenantId;
    const shape: PageShape = {
      order: query.order,
      cursor: query.cursor !== undefined,
      userId: query.userId !== undefined,
      conversationId: query.conversationId !== undefined,
      runId: query.runId !== undefined,
      type: query.type !== undefined,
      layer: query.layer !== undefined,
      from: query.from !== undefined,
      to: query.to !== undefined,
    };
    const values: unknown[] = [tenantId, query.limit + 1];
    if (query.cursor) {
      const [ms, n] = query.cursor.split('-') as [string, string];
      values.push(cursorPart(ms), cursorPart(n));
    }
    for (const value of [
      query.userId,
      query.conversationId,
      query.runId,
      query.type,
      query.layer,
      query.from,
      query.to,
    ])
      if (value !== undefined) values.push(value);
    const rows = await runStatement<AuditEntryRow>(this.pool, this.pageStatement(shape), values);
    const events = rows.slice(0, query.limit).map((row) => auditEventOf(tenantId, row));
    return rows.length > query.limit ? { events, nextCursor: events.at(-1)!.id } : { events };
  }

  /** The page query for one combination of filters, prepared once per connection. */
  private pageStatement(shape: PageShape): Statement {
    const name = `audit.page.${Object.values(shape)
      .map((flag) => (flag === true ? '1' : flag === false ? '0' : flag))
      .join('')}`;
    let found = this.pageStatements.get(name);
    if (found) return found;
    const conditions = ['tenant_id = $1'];
    let parameter = 3;
    const next = () => `$${parameter++}`;
    if (shape.cursor) conditions.push(`(ms, n) ${shape.order === 'asc' ? '>' : '<'} (${next()}, ${next()})`);
    if (shape.userId) conditions.push(`user_id = ${next()}`);
    if (shape.conversationId) conditions.push(`conversation_id = ${next()}`);
    if (shape.runId) conditions.push(`run_id = ${next()}`);
    if (shape.type) conditions.push(`type = ${next()}`);
    if (shape.layer) conditions.push(`layer = ${next()}`);
    if (shape.from) conditions.push(`ms >= ${next()}`);
    if (shape.to) conditions.push(`ms <= ${next()}`);
    const direction = shape.order === 'asc' ? 'ASC' : 'DESC';
    found = statement(
      name,
      this.schema,
      (s) => `SELECT ${ENTRY_COLUMNS} FROM ${s}.audit_entries WHERE ${conditions.join(' AND ')}
               ORDER BY ms ${direction}, n ${direction} LIMIT $2`,
    );
    this.pageStatements.set(name, found);
    return found;
  }

  protected async verifyTenant(tenant: string, parsed: ParsedAuditVerifyOptions): Promise<AuditVerifyResult> {
    let client;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw toBackendError(error, 'audit.verify');
    }
    try {
      // One snapshot: the head and every page agree, so entries past the head are not in flight.
      await runStatement(client, { name: '', text: 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' }, []);
      const [headRow] = await runStatement<AuditHeadRow>(client, this.statements.head, [tenant]);
      const head = headOf(tenant, headRow);
      let start: AuditChainEntry | undefined;
      if (parsed.from !== undefined) {
        const [before] = await runStatement<AuditEntryRow>(client, this.statements.before, [
          tenant,
          parsed.from,
        ]);
        if (before) start = chainEntryOf(before);
      }
      const verifier = new AuditChainVerifier(start ?? head.anchor);
      const beyondHead: AuditChainEntry[] = [];
      let after: [string, string] = [String((parsed.from ?? 0) - 1), MAX_BIGINT.toString()];
      const to = parsed.to ?? MAX_BIGINT.toString();
      for (;;) {
        const page = await runStatement<AuditEntryRow>(client, this.statements.verifyPage, [
          tenant,
          ...after,
          to,
          parsed.pageSize,
        ]);
        for (const row of page) {
          const entry = chainEntryOf(row);
          // Rows past the head's newest id were not written by `audit_append` (it moves the head).
          const pastHead =
            parsed.to === undefined &&
            (head.lastId === undefined ||
              BigInt(row.ms) > BigInt(head.lastId.split('-')[0]!) ||
              (row.ms === head.lastId.split('-')[0] && BigInt(row.n) > BigInt(head.lastId.split('-')[1]!)));
          if (pastHead || beyondHead.length > 0) beyondHead.push(entry);
          else verifier.push(entry);
        }
        if (page.length < parsed.pageSize) break;
        const last = page.at(-1)!;
        after = [last.ms, last.n];
      }
      await runStatement(client, { name: '', text: 'COMMIT' }, []);
      const issues = verifier.finish(parsed.to === undefined ? head : undefined);
      const [firstBeyond] = beyondHead;
      if (firstBeyond) {
        issues.push({
          kind: 'inserted',
          id: firstBeyond.id,
          sequence: firstBeyond.sequence,
          after: { ...(head.lastId ? { id: head.lastId } : {}), sequence: head.sequence },
          message: `${beyondHead.length} entr${beyondHead.length === 1 ? 'y' : 'ies'} from ${firstBeyond.id} on lie past the head (sequence ${head.sequence}): written outside the log, or the head was reset`,
        });
      }
      return {
        tenantId: tenant,
        valid: issues.length === 0,
        checked: verifier.checked + beyondHead.length,
        issues,
        head,
      };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw toBackendError(error, 'audit.verify');
    } finally {
      client.release();
    }
  }

  protected async readHead(tenant: string): Promise<AuditChainHead> {
    const [row] = await runStatement<AuditHeadRow>(this.pool, this.statements.head, [tenant]);
    return headOf(tenant, row);
  }

  protected async removeBefore(tenant: string, parsed: ParsedAuditTrimOptions): Promise<number> {
    let removed = 0;
    // Bounded batches, each its own short transaction: one huge DELETE would hold its locks long.
    for (;;) {
      const [row] = await runStatement<{ removed: number }>(this.pool, this.statements.trim, [
        tenant,
        parsed.before,
        parsed.batchSize,
      ]);
      const batch = Number(row?.removed ?? 0);
      removed += batch;
      if (batch < parsed.batchSize) break;
    }
    return removed;
  }
}
