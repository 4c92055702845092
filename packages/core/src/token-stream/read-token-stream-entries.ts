import { context } from '@opentelemetry/api';
import { parseInput } from '../validation.js';
import { validateId } from '../ids.js';
import type { StoredTokenStreamEntry, TokenStreamSource } from './token-stream-backend.js';
import {
  formatTokenStreamId,
  parseTokenStreamId,
  previousEntryId,
  tokenStreamIdSchema,
} from './token-stream-cursor.js';
import {
  TokenStreamFailedError,
  TokenStreamNotFoundError,
  TokenStreamProducerGoneError,
  TokenStreamTrimmedError,
} from './token-stream-errors.js';
import { TokenStreamConsumeTelemetry } from './token-stream-telemetry.js';
import type { TokenStreamEntry, TokenStreamReadOptions } from './token-stream.js';

export interface ReadLoopSettings {
  driver: string;
  /** Longest single wait for new entries, in ms. */
  blockMs: number;
  /** Most entries fetched per round trip. */
  batchEntries: number;
}

/**
 * Validates a `read` call at once (so bad input throws before any iteration) and returns the
 * reader every driver shares: resume position, gap detection, terminal handling, and the
 * heartbeat check, which runs only when the producer could have gone silent for too long.
 */
export function readTokenStreamEntries(
  streamId: string,
  options: TokenStreamReadOptions | undefined,
  openSource: () => Promise<TokenStreamSource>,
  settings: ReadLoopSettings,
): AsyncIterableIterator<TokenStreamEntry> {
  validateId(streamId, 'streamId', settings.driver);
  const after =
    options?.after === undefined
      ? undefined
      : parseTokenStreamId(
          parseInput(tokenStreamIdSchema, options.after, { what: 'after', driver: settings.driver }),
        );
  // The reader's request is the span's parent: the context of `read`, not of a later `next()`.
  const telemetry = new TokenStreamConsumeTelemetry(context.active(), after !== undefined);
  return traced(iterate(streamId, after, options?.signal, openSource, settings, telemetry), telemetry);
}

/** Ends the consume span however the iteration ends: the stream's end, a throw, or the reader letting go. */
async function* traced(
  entries: AsyncGenerator<TokenStreamEntry, boolean>,
  telemetry: TokenStreamConsumeTelemetry,
): AsyncGenerator<TokenStreamEntry> {
  let outcome: 'ended' | 'stopped' | 'failed' = 'stopped';
  let failure: unknown;
  try {
    // `yield*` forwards `return()` (a `break` in the reader's loop) to the inner generator.
    outcome = (yield* entries) ? 'ended' : 'stopped';
  } catch (error) {
    outcome = 'failed';
    failure = error;
    throw error;
  } finally {
    telemetry.finish(outcome, failure);
  }
}

/** Yields the entries; returns `true` when the stream ended, `false` when the reader stopped it (abort). */
async function* iterate(
  streamId: string,
  after: { entryId: string; chunkIndex: number } | undefined,
  signal: AbortSignal | undefined,
  openSource: () => Promise<TokenStreamSource>,
  { driver, blockMs, batchEntries }: ReadLoopSettings,
  telemetry: TokenStreamConsumeTelemetry,
): AsyncGenerator<TokenStreamEntry, boolean> {
  // Re-read the entry of `after` itself: the rest of a coalesced batch may still be unread.
  let afterEntry = after ? previousEntryId(after.entryId) : '0-0';
  let nextChunk = after ? after.chunkIndex + 1 : 0;
  // When (local clock) the producer could first be overdue; the store is asked only then.
  let livenessDueAt = 0;
  if (signal?.aborted) return false;
  const source = await openSource();
  try {
    for (;;) {
      if (signal?.aborted) return false;
      let entries: StoredTokenStreamEntry[];
      const now = performance.now();
      if (now >= livenessDueAt) {
        const polled = await source.poll(afterEntry, batchEntries);
        telemetry.begin(polled.liveness?.traceparent);
        if (!polled.liveness) throw new TokenStreamNotFoundError({ streamId, driver });
        entries = polled.entries;
        const { state, idleMs, heartbeatTimeoutMs, failure } = polled.liveness;
        if (entries.length === 0) {
          if (state === 'abandoned')
            throw new TokenStreamProducerGoneError({
              streamId,
              silentForMs: idleMs,
              heartbeatTimeoutMs,
              driver,
            });
          // Only reachable with an `after` at or past the terminal entry.
          if (state === 'ended') return true;
          if (state === 'failed')
            throw new TokenStreamFailedError({
              streamId,
              reason: failure?.reason ?? 'failed',
              ...(failure?.code ? { producerCode: failure.code } : {}),
              driver,
            });
        }
        livenessDueAt = now + Math.max(1, heartbeatTimeoutMs - idleMs + 1);
      } else {
        const waitMs = Math.max(1, Math.min(blockMs, Math.ceil(livenessDueAt - now)));
        entries = await source.wait(afterEntry, batchEntries, waitMs, signal);
      }
      for (const entry of entries) {
        afterEntry = entry.id;
        if (entry.firstChunk > nextChunk)
          throw new TokenStreamTrimmedError({
            streamId,
            neededChunk: nextChunk,
            firstStoredChunk: entry.firstChunk,
            driver,
          });
        for (let offset = nextChunk - entry.firstChunk; offset < entry.chunks.length; offset++) {
          const chunkIndex = entry.firstChunk + offset;
          nextChunk = chunkIndex + 1;
          telemetry.read();
          yield { id: formatTokenStreamId(entry.id, chunkIndex), chunk: entry.chunks[offset]! };
          if (signal?.aborted) return false;
        }
        if (entry.terminal?.kind === 'end') return true;
        if (entry.terminal?.kind === 'fail')
          throw new TokenStreamFailedError({
            streamId,
            reason: entry.terminal.reason,
            ...(entry.terminal.code ? { producerCode: entry.terminal.code } : {}),
            driver,
          });
      }
    }
  } finally {
    await source.close();
  }
}
