import type { StoredTokenStreamEntry, TokenStreamLiveness } from './token-stream-backend.js';
import { compareEntryIds } from './token-stream-cursor.js';

/** One stream as the in-memory driver keeps it (the Redis driver's stream + meta hash, in a Map). */
export interface InMemoryTokenStreamRecord {
  entries: StoredTokenStreamEntry[];
  state: 'open' | 'ended' | 'failed';
  chunks: number;
  /** Clock time of the last write or heartbeat. */
  beatAt: number;
  expiresAt: number;
  ttlMs: number;
  maxLength: number;
  heartbeatTimeoutMs: number;
  cancelReason?: string;
  failure?: { reason: string; code?: string };
  /** The producer span's W3C context, when opened under an OpenTelemetry SDK. */
  traceparent?: string;
  lastEntry: { milliseconds: number; sequence: number };
  /** Readers waiting for the next entry. */
  waiters: Set<() => void>;
}

/**
 * The streams of one in-memory "deployment". Driver instances sharing a store behave like
 * workers sharing one Redis (a reader on one sees what a writer on another wrote).
 */
export class InMemoryTokenStreamStore {
  private readonly records = new Map<string, InMemoryTokenStreamRecord>();

  /** The live record, dropping it once its TTL ran out. */
  get(streamId: string, now: number): InMemoryTokenStreamRecord | undefined {
    const record = this.records.get(streamId);
    if (record && now >= record.expiresAt) {
      this.records.delete(streamId);
      for (const wake of record.waiters) wake();
      return undefined;
    }
    return record;
  }

  set(streamId: string, record: InMemoryTokenStreamRecord): void {
    this.records.set(streamId, record);
  }

  /** `abandoned` is derived, as on Redis: open, and silent for longer than the heartbeat timeout. */
  static liveness(record: InMemoryTokenStreamRecord, now: number): TokenStreamLiveness {
    const idleMs = Math.max(0, now - record.beatAt);
    return {
      state: record.state === 'open' && idleMs > record.heartbeatTimeoutMs ? 'abandoned' : record.state,
      idleMs,
      heartbeatTimeoutMs: record.heartbeatTimeoutMs,
      chunks: record.chunks,
      cancelRequested: record.cancelReason !== undefined,
      ...(record.failure ? { failure: record.failure } : {}),
      ...(record.traceparent ? { traceparent: record.traceparent } : {}),
    };
  }

  /** Entries after `afterEntryId`, at most `count` (binary search: entries are ordered by id). */
  static entriesAfter(
    record: InMemoryTokenStreamRecord,
    afterEntryId: string,
    count: number,
  ): StoredTokenStreamEntry[] {
    let low = 0;
    let high = record.entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compareEntryIds(record.entries[middle]!.id, afterEntryId) <= 0) low = middle + 1;
      else high = middle;
    }
    return record.entries.slice(low, low + count);
  }
}
