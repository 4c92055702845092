import { TristackError } from '../errors.js';
import { parseInput } from '../validation.js';
import type { TokenStreamSink, TokenStreamSinkReply, TokenStreamTerminal } from './token-stream-backend.js';
import { TokenStreamCancelledError, TokenStreamClosedError } from './token-stream-errors.js';
import { tokenStreamChunkSchema, type TokenStreamSettings } from './token-stream-options.js';
import type { TokenStreamWriter } from './token-stream.js';

/**
 * The writer every driver hands out: queues chunks, flushes them as one entry per batch (one
 * round trip through the driver's sink), sends heartbeats while idle, and turns a cancellation
 * seen in any reply into an aborted `signal`. One flush is in flight at a time, so entries keep
 * the order of the writes.
 */
export class CoalescingTokenStreamWriter implements TokenStreamWriter {
  private readonly queue: string[] = [];
  private readonly controller = new AbortController();
  private flushing: Promise<void> | undefined;
  private coalesceTimer: ReturnType<typeof setTimeout> | undefined;
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
  ) {
    this.scheduleHeartbeat();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  async write(chunk: string): Promise<void> {
    parseInput(tokenStreamChunkSchema, chunk, { what: 'chunk', driver: this.driver });
    this.assertWritable();
    this.queue.push(chunk);
    if (this.queue.length < this.settings.maxBatchChunks) {
      this.scheduleFlush();
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
    return this.finish([], { kind: 'fail', reason, ...(code ? { code } : {}) }, 'failed');
  }

  private async finish(last: string[], terminal: TokenStreamTerminal, closedAs: string): Promise<void> {
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

  private scheduleFlush(): void {
    // While a flush is in flight, new chunks simply join the next batch.
    if (this.flushing || this.coalesceTimer) return;
    if (this.settings.coalesceMs === 0) {
      void this.pump().catch(() => {});
      return;
    }
    this.coalesceTimer = setTimeout(() => {
      this.coalesceTimer = undefined;
      void this.pump().catch(() => {});
    }, this.settings.coalesceMs);
  }

  private clearCoalesceTimer(): void {
    if (this.coalesceTimer) clearTimeout(this.coalesceTimer);
    this.coalesceTimer = undefined;
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
      if (this.queue.length > 0 && !this.failure && !this.closedAs) this.scheduleFlush();
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
      throw error;
    }
    this.handleReply(reply);
    if (!reply.ok) throw this.failure;
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
