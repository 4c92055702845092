import { TristackError } from '../errors.js';
import { parseInput } from '../validation.js';
import type { TokenStreamSink, TokenStreamSinkReply, TokenStreamTerminal } from './token-stream-backend.js';
import { TokenStreamCancelledError, TokenStreamClosedError } from './token-stream-errors.js';
import { tokenStreamChunkSchema, type TokenStreamSettings } from './token-stream-options.js';
import type { TokenStreamProduceTelemetry } from './token-stream-telemetry.js';
import type { TokenStreamWriter } from './token-stream.js';

/**
 * A chunk written at least this long after the previous one (or after `open`) finds the writer
 * idle: it is flushed at once (at the end of the current event-loop turn, so chunks written in
 * the same turn share its entry) instead of waiting `coalesceMs` for company that is not coming.
 * So does a chunk written after every earlier one was stored, however soon: nothing is queued or
 * in flight, so there is no pressure to coalesce under (a writer that waits for its reader, say).
 * Chunks written while a flush is in flight join the next one, sent as soon as it lands.
 */
const IDLE_GAP_MS = 1;

/** Runs `callback` at the end of this event-loop turn; returns its cancel. (`setTimeout(0)` waits 1 ms in Node.) */
function atEndOfTurn(callback: () => void): () => void {
  if (typeof setImmediate === 'function') {
    const handle = setImmediate(callback);
    return () => clearImmediate(handle);
  }
  const handle = setTimeout(callback, 0);
  return () => clearTimeout(handle);
}

/**
 * The writer every driver hands out: queues chunks, flushes them as one entry per batch (one
 * round trip through the driver's sink), sends heartbeats while idle, and turns a cancellation
 * seen in any reply into an aborted `signal`. One flush is in flight at a time, so entries keep
 * the order of the writes. Coalescing happens only under pressure: the first chunk after an idle
 * gap, or after everything written before it was stored, goes out at once (a paced model stream
 * pays no timer per token); chunks written while a flush is in flight join the next one, sent as
 * soon as it lands (natural batching: the store's round trip is the window); only a burst that
 * starts right after `open`, before anything was stored, waits up to `coalesceMs`.
 */
export class CoalescingTokenStreamWriter implements TokenStreamWriter {
  private readonly queue: string[] = [];
  private readonly controller = new AbortController();
  private flushing: Promise<void> | undefined;
  private coalesceTimer: ReturnType<typeof setTimeout> | undefined;
  /** Cancels the flush scheduled for the end of this turn, when one is. */
  private cancelImmediateFlush: (() => void) | undefined;
  /** When the last chunk was written; `open` counts as a write, so a burst right after it coalesces. */
  private lastWriteAt = performance.now();
  /**
   * Every chunk written so far is stored (a flush landed after the last write): the next chunk
   * finds no pressure and goes out at once. False from `open` to the first flush.
   */
  private caughtUp = false;
  private heartbeatTimer: ReturnType<typeof setTimeout> | undefined;
  /** A failed flush: every later call rethrows it. */
  private failure: unknown;
  /** Why the stream takes no more writes: set by `end`/`fail`, or by a refusing store. */
  private closedAs: string | undefined;

  constructor(
    readonly streamId: string,
    private readonly settings: TokenStreamSettings,
    private readonly sink: TokenStreamSink,
    private readonly driver: string,
    /** The write session's producer span (ended by `end`, `fail` or a refusing store). */
    private readonly telemetry?: TokenStreamProduceTelemetry,
  ) {
    this.scheduleHeartbeat();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  async write(chunk: string): Promise<void> {
    parseInput(tokenStreamChunkSchema, chunk, { what: 'chunk', driver: this.driver });
    this.assertWritable();
    const now = performance.now();
    const idle = this.caughtUp || now - this.lastWriteAt >= IDLE_GAP_MS;
    this.lastWriteAt = now;
    this.caughtUp = false;
    this.queue.push(chunk);
    if (this.queue.length < this.settings.maxBatchChunks) {
      this.scheduleFlush(idle);
      return;
    }
    // A full batch: flush now, and let a writer that outpaces the store wait for the flush in flight.
    this.clearCoalesceTimer();
    if (this.flushing) await this.flushing.catch(() => {});
    void this.pump().catch(() => {});
    // The chunk is queued: `end` may have begun meanwhile and will store it; only a failed
    // flush means it is lost.
    if (this.failure) throw this.failure;
  }

  async flush(): Promise<void> {
    this.clearCoalesceTimer();
    await this.pump();
    if (this.failure) throw this.failure;
  }

  async end(final?: string): Promise<void> {
    if (final !== undefined)
      parseInput(tokenStreamChunkSchema, final, { what: 'final chunk', driver: this.driver });
    return this.finish(final === undefined ? [] : [final], { kind: 'end' }, 'ended');
  }

  async fail(error: unknown): Promise<void> {
    const reason = error instanceof Error ? error.message : String(error);
    const code = TristackError.isInstance(error) ? error.code : undefined;
    return this.finish([], { kind: 'fail', reason, ...(code ? { code } : {}) }, 'failed', error);
  }

  private async finish(
    last: string[],
    terminal: TokenStreamTerminal,
    closedAs: 'ended' | 'failed',
    error?: unknown,
  ): Promise<void> {
    this.assertWritable();
    this.closedAs = closedAs;
    this.clearCoalesceTimer();
    // The flush in flight stops after its batch (closedAs is set), so what is left of the queue
    // travels with the final chunk and the terminal marker: one entry when they fit.
    if (this.flushing) await this.flushing.catch(() => {});
    if (this.failure) throw this.failure;
    const rest = this.queue.splice(0);
    while (rest.length + last.length > this.settings.maxBatchChunks) {
      await this.send(rest.splice(0, this.settings.maxBatchChunks));
    }
    await this.send([...rest, ...last], terminal);
    this.stopHeartbeat();
    this.telemetry?.finish(closedAs, { error, cancelRequested: this.controller.signal.aborted });
  }

  private assertWritable(): void {
    if (this.failure) throw this.failure;
    if (this.closedAs)
      throw new TokenStreamClosedError({
        streamId: this.streamId,
        state: this.closedAs,
        driver: this.driver,
      });
  }

  private scheduleFlush(idle = false): void {
    // While a flush is in flight, new chunks simply join the next batch.
    if (this.flushing) return;
    if (this.settings.coalesceMs === 0) {
      void this.pump().catch(() => {});
      return;
    }
    if (idle) {
      // Takes any chunk still waiting for the coalescing timer along.
      if (this.coalesceTimer) clearTimeout(this.coalesceTimer);
      this.coalesceTimer = undefined;
      this.cancelImmediateFlush ??= atEndOfTurn(() => {
        this.cancelImmediateFlush = undefined;
        void this.pump().catch(() => {});
      });
      return;
    }
    if (this.coalesceTimer || this.cancelImmediateFlush) return;
    this.coalesceTimer = setTimeout(() => {
      this.coalesceTimer = undefined;
      void this.pump().catch(() => {});
    }, this.settings.coalesceMs);
  }

  /** Cancels a scheduled flush (the caller flushes itself). */
  private clearCoalesceTimer(): void {
    if (this.coalesceTimer) clearTimeout(this.coalesceTimer);
    this.coalesceTimer = undefined;
    this.cancelImmediateFlush?.();
    this.cancelImmediateFlush = undefined;
  }

  /** Flushes until the queue is empty; concurrent callers share the one run. */
  private pump(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.queue.length === 0) return Promise.resolve();
    const run = async () => {
      while (this.queue.length > 0 && !this.failure && !this.closedAs) {
        await this.send(this.queue.splice(0, this.settings.maxBatchChunks));
      }
    };
    // `finally` runs after the assignment, so a run never leaves a stale promise behind; a chunk
    // written between the run's last check and here gets its own flush.
    this.flushing = run().finally(() => {
      this.flushing = undefined;
      // A chunk written after the loop's last check waited for this flush like any other: it goes
      // at once, not after a coalescing timer.
      if (this.queue.length > 0 && !this.failure && !this.closedAs) this.scheduleFlush(true);
    });
    return this.flushing;
  }

  private async send(chunks: string[], terminal?: TokenStreamTerminal): Promise<void> {
    let reply: TokenStreamSinkReply;
    try {
      reply = await this.sink.append(chunks, terminal);
    } catch (error) {
      this.failure ??= error;
      this.stopHeartbeat();
      this.telemetry?.finish('error', { error });
      throw error;
    }
    this.handleReply(reply);
    if (!reply.ok) {
      this.telemetry?.finish('error', { error: this.failure });
      throw this.failure;
    }
    // Nothing written since this batch was taken: the writer has caught up with the store.
    if (this.queue.length === 0) this.caughtUp = true;
    this.telemetry?.stored(chunks.length);
    this.scheduleHeartbeat();
  }

  private handleReply(reply: TokenStreamSinkReply): void {
    if (!reply.ok) {
      this.failure ??= new TokenStreamClosedError({
        streamId: this.streamId,
        state: reply.state,
        driver: this.driver,
      });
      this.stopHeartbeat();
      return;
    }
    if (reply.cancelReason !== undefined && !this.controller.signal.aborted) {
      this.controller.abort(
        new TokenStreamCancelledError({
          streamId: this.streamId,
          reason: reply.cancelReason || 'cancelled',
          driver: this.driver,
        }),
      );
    }
  }

  private scheduleHeartbeat(): void {
    if (this.settings.heartbeatIntervalMs === 0 || this.closedAs || this.failure) return;
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = setTimeout(() => void this.beat(), this.settings.heartbeatIntervalMs);
    // A producer that exits without ending its stream must not be kept alive by its heartbeat:
    // readers are meant to see it as gone.
    this.heartbeatTimer.unref?.();
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }

  private async beat(): Promise<void> {
    this.heartbeatTimer = undefined;
    // A flush in flight proves liveness itself and reschedules the heartbeat when it lands.
    if (this.flushing || this.failure || this.closedAs) {
      if (this.flushing) this.scheduleHeartbeat();
      return;
    }
    try {
      this.handleReply(await this.sink.heartbeat());
    } catch {
      // A missed heartbeat is not fatal: the next one, or the next write, may get through in time.
    }
    if (!this.failure) this.scheduleHeartbeat();
  }
}
