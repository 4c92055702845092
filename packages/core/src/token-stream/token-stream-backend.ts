import type { TokenStreamState } from './token-stream.js';

/**
 * What a driver stores and fetches. The writer (`CoalescingTokenStreamWriter`) and the reader
 * (`readTokenStreamEntries`) hold every rule of the primitive; a driver supplies only these
 * round trips, so the in-memory and Redis drivers behave alike.
 */

/** How a stream ended, stored with its last entry. */
export type TokenStreamTerminal = { kind: 'end' } | { kind: 'fail'; reason: string; code?: string };

/** One stored entry: a flushed batch of chunks, possibly with the terminal marker. */
export interface StoredTokenStreamEntry {
  /** `<ms>-<seq>`, increasing. */
  id: string;
  /** Index of `chunks[0]` in the whole stream. */
  firstChunk: number;
  chunks: string[];
  terminal?: TokenStreamTerminal;
}

/** A stream's state as the store sees it now (`abandoned` is derived from the store's clock). */
export interface TokenStreamLiveness {
  state: TokenStreamState;
  idleMs: number;
  heartbeatTimeoutMs: number;
  chunks: number;
  cancelRequested: boolean;
  /** Set when `state` is `failed`. */
  failure?: { reason: string; code?: string };
  /** The producer span's W3C `traceparent`, when the stream was opened under an OpenTelemetry SDK. */
  traceparent?: string;
}

/** The store's reply to a write: `ok`, or the state that refused it (`missing` once expired). */
export type TokenStreamSinkReply =
  { ok: true; cancelReason?: string } | { ok: false; state: TokenStreamState | 'missing' };

/** The writer's side: each call is one round trip. */
export interface TokenStreamSink {
  /**
   * Appends one entry (chunks, plus the terminal marker when given), trims to `maxLength`,
   * records the write as a heartbeat and renews the TTL. Refuses unless the stream is open.
   */
  append(chunks: readonly string[], terminal?: TokenStreamTerminal): Promise<TokenStreamSinkReply>;
  /** Records a heartbeat and renews the TTL. Refuses unless the stream is open. */
  heartbeat(): Promise<TokenStreamSinkReply>;
}

/** The reader's side. */
export interface TokenStreamSource {
  /** Entries after `afterEntryId` (at most `count`, without waiting) and the stream's liveness (`undefined`: no such stream). */
  poll(
    afterEntryId: string,
    count: number,
  ): Promise<{ entries: StoredTokenStreamEntry[]; liveness: TokenStreamLiveness | undefined }>;
  /** Entries after `afterEntryId`, waiting up to `timeoutMs` for one to arrive; `[]` on timeout or abort. */
  wait(
    afterEntryId: string,
    count: number,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<StoredTokenStreamEntry[]>;
  /** Releases what the reader holds (its blocking connection). */
  close(): Promise<void>;
}
