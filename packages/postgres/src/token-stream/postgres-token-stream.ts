import type { TokenStreamOptions, TokenStreamState } from '@tristack/core';
import {
  BaseTokenStream,
  parseOptions,
  tokenStreamOptionsSchema,
  type StoredTokenStreamEntry,
  type TokenStreamLiveness,
  type TokenStreamSettings,
  type TokenStreamSink,
  type TokenStreamSinkReply,
  type TokenStreamSource,
} from '@tristack/core/driver-kit';
import type { Pool } from 'pg';
import { type PostgresDriverOptions, splitPostgresDriverOptions } from '../driver-options.js';
import { runStatement, statement } from '../internal/sql.js';
import { NotificationListener } from '../internal/notification-listener.js';
import { schemaIdentifier } from '../internal/schema-identifier.js';

const DRIVER = 'postgres';
/** Largest value of a `bigint` column: cursor parts beyond it are clamped (no entry can be there). */
const MAX_BIGINT = 2n ** 63n - 1n;

export interface PostgresTokenStreamOptions extends PostgresDriverOptions, TokenStreamOptions {}

interface PollRow {
  state: Exclude<TokenStreamState, 'abandoned'>;
  idle_ms: string;
  timeout_ms: string;
  chunks: string;
  cancel_requested: boolean;
  failure_reason: string | null;
  failure_code: string | null;
  entries: {
    ms: number;
    n: number;
    first: number;
    chunks: string[];
    t: 'end' | 'fail' | null;
    r: string | null;
    k: string | null;
  }[];
}

/** `<ms>-<n>` as two `bigint` parameters, clamped so the order against stored ids is kept. */
function entryIdParts(entryId: string): [string, string] {
  const [ms = '0', n = '0'] = entryId.split('-');
  const clamp = (text: string) => {
    const value = BigInt(text);
    return (value > MAX_BIGINT ? MAX_BIGINT : value).toString();
  };
  return [clamp(ms), clamp(n)];
}

function livenessOf(row: PollRow): TokenStreamLiveness {
  const idleMs = Number(row.idle_ms);
  const heartbeatTimeoutMs = Number(row.timeout_ms);
  return {
    state: row.state === 'open' && idleMs > heartbeatTimeoutMs ? 'abandoned' : row.state,
    idleMs,
    heartbeatTimeoutMs,
    chunks: Number(row.chunks),
    cancelRequested: row.cancel_requested,
    ...(row.state === 'failed'
      ? {
          failure: {
            reason: row.failure_reason ?? '',
            ...(row.failure_code ? { code: row.failure_code } : {}),
          },
        }
      : {}),
  };
}

function entriesOf(row: PollRow): StoredTokenStreamEntry[] {
  return row.entries.map((entry) => ({
    id: `${entry.ms}-${entry.n}`,
    firstChunk: Number(entry.first),
    chunks: entry.chunks,
    ...(entry.t === 'end'
      ? { terminal: { kind: 'end' as const } }
      : entry.t === 'fail'
        ? {
            terminal: { kind: 'fail' as const, reason: entry.r ?? '', ...(entry.k ? { code: entry.k } : {}) },
          }
        : {}),
  }));
}

/**
 * `TokenStream` on PostgreSQL: a `token_streams` row per response and its entries in
 * `token_stream_entries`, both unlogged. Each flushed batch is one function call (insert, trim to
 * `maxLength`, heartbeat, TTL renewal, NOTIFY with the stream id); readers read with one query
 * (entries plus liveness) and, when caught up, wait for that NOTIFY on the instance's one
 * `LISTEN` connection (at most `blockMs`, then they look again). The data lives in the database,
 * so a reader can resume on any worker, and a silent producer is detected by the server's clock.
 */
export class PostgresTokenStream extends BaseTokenStream {
  private readonly pool: Pool;
  private readonly statements;
  private readonly listener: NotificationListener;
  private readonly waiters = new Map<string, Set<() => void>>();

  constructor(options: PostgresTokenStreamOptions) {
    const what = { what: 'PostgresTokenStream', driver: DRIVER };
    const { pool, schema, rest } = splitPostgresDriverOptions(options, 'PostgresTokenStream');
    super(parseOptions(tokenStreamOptionsSchema, rest, what), DRIVER, 'PostgresTokenStream');
    this.pool = pool;
    const channel = schemaIdentifier(schema, 'token_stream');
    this.statements = {
      channel,
      open: statement(
        'token-stream.open',
        schema,
        (s) => `SELECT ${s}.token_stream_open($1, $2, $3) AS created`,
      ),
      write: statement(
        'token-stream.write',
        schema,
        (s) => `SELECT ok, detail FROM ${s}.token_stream_write($1, $2, $3, $4, $5, $6, $7, $8)`,
      ),
      cancel: statement(
        'token-stream.cancel',
        schema,
        (s) => `SELECT ${s}.token_stream_cancel($1, $2) AS cancelled`,
      ),
      poll: statement(
        'token-stream.poll',
        schema,
        (s) => `SELECT * FROM ${s}.token_stream_poll($1, $2, $3, $4)`,
      ),
    };
    this.listener = new NotificationListener(
      pool,
      channel,
      (streamId) => {
        for (const wake of this.waiters.get(streamId) ?? []) wake();
      },
      () => {
        for (const waiters of this.waiters.values()) for (const wake of waiters) wake();
      },
    );
  }

  protected async create(streamId: string, settings: TokenStreamSettings): Promise<boolean> {
    const [row] = await runStatement<{ created: boolean }>(this.pool, this.statements.open, [
      streamId,
      settings.ttlMs,
      settings.heartbeatTimeoutMs,
    ]);
    return row?.created === true;
  }

  protected sink(streamId: string, settings: TokenStreamSettings): TokenStreamSink {
    const write = async (
      chunks: readonly string[] | undefined,
      terminal?: Parameters<TokenStreamSink['append']>[1],
    ): Promise<TokenStreamSinkReply> => {
      const [row] = await runStatement<{ ok: boolean; detail: string | null }>(
        this.pool,
        this.statements.write,
        [
          streamId,
          settings.maxLength,
          chunks?.length ?? 0,
          chunks === undefined ? null : JSON.stringify(chunks),
          terminal?.kind ?? null,
          terminal?.kind === 'fail' ? terminal.reason : null,
          terminal?.kind === 'fail' ? (terminal.code ?? null) : null,
          this.statements.channel,
        ],
      );
      if (row?.ok) return row.detail === null ? { ok: true } : { ok: true, cancelReason: row.detail };
      return { ok: false, state: (row?.detail ?? 'missing') as TokenStreamState | 'missing' };
    };
    return {
      append: (chunks, terminal): Promise<TokenStreamSinkReply> => write(chunks, terminal),
      heartbeat: (): Promise<TokenStreamSinkReply> => write(undefined),
    };
  }

  protected async requestCancel(streamId: string, reason: string): Promise<boolean> {
    const [row] = await runStatement<{ cancelled: boolean | null }>(this.pool, this.statements.cancel, [
      streamId,
      reason,
    ]);
    return row?.cancelled === true;
  }

  protected async liveness(streamId: string): Promise<TokenStreamLiveness | undefined> {
    const [row] = await runStatement<PollRow>(this.pool, this.statements.poll, [streamId, '0', '0', 0]);
    return row ? livenessOf(row) : undefined;
  }

  private async poll(streamId: string, afterEntryId: string, count: number) {
    const [row] = await runStatement<PollRow>(this.pool, this.statements.poll, [
      streamId,
      ...entryIdParts(afterEntryId),
      count,
    ]);
    return row
      ? { entries: entriesOf(row), liveness: livenessOf(row) }
      : { entries: [], liveness: undefined };
  }

  protected async source(streamId: string): Promise<TokenStreamSource> {
    return {
      poll: (afterEntryId, count) => this.poll(streamId, afterEntryId, count),
      wait: async (afterEntryId, count, timeoutMs, signal) => {
        if (signal?.aborted) return [];
        await this.listener.start();
        let wake!: () => void;
        const woken = new Promise<void>((resolve) => (wake = resolve));
        let waiters = this.waiters.get(streamId);
        if (!waiters) this.waiters.set(streamId, (waiters = new Set()));
        waiters.add(wake);
        try {
          // Registered before reading: an append after this read wakes the wait below.
          const ready = (await this.poll(streamId, afterEntryId, count)).entries;
          if (ready.length > 0 || signal?.aborted) return ready;
          await new Promise<void>((resolve) => {
            const done = () => {
              clearTimeout(timer);
              signal?.removeEventListener('abort', done);
              resolve();
            };
            const timer = setTimeout(done, timeoutMs);
            signal?.addEventListener('abort', done, { once: true });
            void woken.then(done);
          });
          if (signal?.aborted) return [];
          return (await this.poll(streamId, afterEntryId, count)).entries;
        } finally {
          waiters.delete(wake);
          if (waiters.size === 0 && this.waiters.get(streamId) === waiters) this.waiters.delete(streamId);
        }
      },
      close: async () => undefined,
    };
  }

  /** Releases the instance's `LISTEN` connection (readers still running stop waiting on NOTIFY). */
  async close(): Promise<void> {
    await this.listener.stop();
  }
}
