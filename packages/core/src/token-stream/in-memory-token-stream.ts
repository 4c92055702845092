import { z } from 'zod';
import { type Clock, clockSchema, systemClock } from '../clock.js';
import { parseOptions } from '../validation.js';
import { BaseTokenStream } from './base-token-stream.js';
import { InMemoryTokenStreamStore, type InMemoryTokenStreamRecord } from './in-memory-token-stream-store.js';
import type {
  StoredTokenStreamEntry,
  TokenStreamLiveness,
  TokenStreamSink,
  TokenStreamSinkReply,
  TokenStreamSource,
  TokenStreamTerminal,
} from './token-stream-backend.js';
import { tokenStreamOptionsSchema, type TokenStreamSettings } from './token-stream-options.js';

const DRIVER = 'memory';

export const inMemoryTokenStreamOptionsSchema = tokenStreamOptionsSchema.extend({
  /**
   * Source of time for heartbeats, TTLs and entry ids.
   * @default systemClock
   */
  clock: clockSchema.optional(),
  /**
   * Streams shared with other instances in this process (one per simulated worker in tests).
   * @default a private store
   */
  store: z
    .custom<InMemoryTokenStreamStore>(
      (value) => value instanceof InMemoryTokenStreamStore,
      'must be an InMemoryTokenStreamStore',
    )
    .optional(),
});

export type InMemoryTokenStreamOptions = z.input<typeof inMemoryTokenStreamOptionsSchema>;

/**
 * Token streams in process memory: the reference semantics every driver must match, for tests
 * and single-process apps. Nothing survives the process.
 */
export class InMemoryTokenStream extends BaseTokenStream {
  private readonly clock: Clock;
  private readonly store: InMemoryTokenStreamStore;

  constructor(options: InMemoryTokenStreamOptions = {}) {
    const what = { what: 'InMemoryTokenStream', driver: DRIVER };
    const { clock, store, ...shared } = parseOptions(inMemoryTokenStreamOptionsSchema, options, what);
    super(shared, DRIVER, 'InMemoryTokenStream');
    this.clock = clock ?? systemClock;
    this.store = store ?? new InMemoryTokenStreamStore();
  }

  protected async create(
    streamId: string,
    settings: TokenStreamSettings,
    traceparent: string | undefined,
  ): Promise<boolean> {
    const now = this.clock.now();
    if (this.store.get(streamId, now)) return false;
    this.store.set(streamId, {
      entries: [],
      state: 'open',
      chunks: 0,
      beatAt: now,
      expiresAt: now + settings.ttlMs,
      ttlMs: settings.ttlMs,
      maxLength: settings.maxLength,
      heartbeatTimeoutMs: settings.heartbeatTimeoutMs,
      lastEntry: { milliseconds: 0, sequence: 0 },
      waiters: new Set(),
      ...(traceparent ? { traceparent } : {}),
    });
    return true;
  }

  protected async requestCancel(streamId: string, reason: string): Promise<boolean> {
    const now = this.clock.now();
    const record = this.store.get(streamId, now);
    if (!record || InMemoryTokenStreamStore.liveness(record, now).state !== 'open') return false;
    record.cancelReason = reason;
    return true;
  }

  protected async liveness(streamId: string): Promise<TokenStreamLiveness | undefined> {
    const now = this.clock.now();
    const record = this.store.get(streamId, now);
    return record ? InMemoryTokenStreamStore.liveness(record, now) : undefined;
  }

  protected sink(streamId: string): TokenStreamSink {
    // Refuses like the Redis script: only an open, not yet abandoned, unexpired stream takes writes.
    const writable = (): InMemoryTokenStreamRecord | TokenStreamSinkReply => {
      const now = this.clock.now();
      const record = this.store.get(streamId, now);
      if (!record) return { ok: false, state: 'missing' };
      const { state } = InMemoryTokenStreamStore.liveness(record, now);
      return state === 'open' ? record : { ok: false, state };
    };
    const touched = (record: InMemoryTokenStreamRecord): TokenStreamSinkReply => {
      const now = this.clock.now();
      record.beatAt = now;
      record.expiresAt = now + record.ttlMs;
      return record.cancelReason === undefined
        ? { ok: true }
        : { ok: true, cancelReason: record.cancelReason };
    };
    return {
      append: async (chunks: readonly string[], terminal?: TokenStreamTerminal) => {
        const record = writable();
        if ('ok' in record) return record;
        const entry: StoredTokenStreamEntry = {
          id: this.nextEntryId(record),
          firstChunk: record.chunks,
          chunks: [...chunks],
          ...(terminal ? { terminal } : {}),
        };
        record.entries.push(entry);
        record.chunks += chunks.length;
        if (record.entries.length > record.maxLength)
          record.entries.splice(0, record.entries.length - record.maxLength);
        if (terminal?.kind === 'end') record.state = 'ended';
        if (terminal?.kind === 'fail') {
          record.state = 'failed';
          record.failure = { reason: terminal.reason, ...(terminal.code ? { code: terminal.code } : {}) };
        }
        const reply = touched(record);
        for (const wake of record.waiters) wake();
        return reply;
      },
      heartbeat: async () => {
        const record = writable();
        return 'ok' in record ? record : touched(record);
      },
    };
  }

  /** `<ms>-<seq>` like XADD `*`: increasing even when the clock stands still or steps back. */
  private nextEntryId(record: InMemoryTokenStreamRecord): string {
    const now = this.clock.now();
    const last = record.lastEntry;
    record.lastEntry =
      now > last.milliseconds
        ? { milliseconds: now, sequence: 0 }
        : { milliseconds: last.milliseconds, sequence: last.sequence + 1 };
    return `${record.lastEntry.milliseconds}-${record.lastEntry.sequence}`;
  }

  protected async source(streamId: string): Promise<TokenStreamSource> {
    return {
      poll: async (afterEntryId, count) => {
        const now = this.clock.now();
        const record = this.store.get(streamId, now);
        if (!record) return { entries: [], liveness: undefined };
        return {
          entries: InMemoryTokenStreamStore.entriesAfter(record, afterEntryId, count),
          liveness: InMemoryTokenStreamStore.liveness(record, now),
        };
      },
      wait: async (afterEntryId, count, timeoutMs, signal) => {
        const record = this.store.get(streamId, this.clock.now());
        if (!record) return [];
        const ready = InMemoryTokenStreamStore.entriesAfter(record, afterEntryId, count);
        if (ready.length > 0 || signal?.aborted) return ready;
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            record.waiters.delete(done);
            signal?.removeEventListener('abort', done);
            resolve();
          };
          const timer = setTimeout(done, timeoutMs);
          record.waiters.add(done);
          signal?.addEventListener('abort', done, { once: true });
        });
        return InMemoryTokenStreamStore.entriesAfter(record, afterEntryId, count);
      },
      close: async () => {},
    };
  }
}
