import { context, type Context, type Span } from '@opentelemetry/api';
import { TelemetryAttribute as A, TelemetrySpanName } from '../telemetry/telemetry-attributes.js';
import {
  TelemetrySpanKind,
  coreTelemetry,
  markSpanFailed,
  spanContextOf,
  traceparentOf,
} from '../telemetry/tristack-telemetry.js';

/**
 * One `tristack.token_stream.produce` PRODUCER span per write session: from `open` to `end` /
 * `fail` (or the store refusing a write), never one per chunk or per flush — the span counts the
 * chunks and flushed entries instead. It is not made active (the writer outlives the `open`
 * call); its `traceparent` is stored with the stream so readers can link to it. The stream id is
 * not recorded: apps choose it, and it may name a conversation or a user.
 */
export class TokenStreamProduceTelemetry {
  readonly span: Span;
  private chunks = 0;
  private entries = 0;
  private ended = false;

  constructor() {
    this.span = coreTelemetry.tracer.startSpan(
      TelemetrySpanName.tokenStreamProduce,
      { kind: TelemetrySpanKind.PRODUCER },
      context.active(),
    );
    if (this.span.isRecording()) this.span.setAttribute(A.streamOperation, 'produce');
  }

  /** The span's W3C `traceparent`, for the store (undefined without an SDK). */
  get traceparent(): string | undefined {
    return traceparentOf(this.span);
  }

  /** One flushed entry of `chunkCount` chunks reached the store. */
  stored(chunkCount: number): void {
    this.chunks += chunkCount;
    this.entries++;
  }

  /**
   * Ends the span: `ended` / `failed` as the producer finished the stream (a `fail` marks the
   * span failed with the producer error's type), `error` when the store refused or threw.
   */
  finish(
    outcome: 'ended' | 'failed' | 'error',
    options: { error?: unknown; cancelRequested?: boolean } = {},
  ): void {
    if (this.ended) return;
    this.ended = true;
    if (this.span.isRecording()) {
      this.span.setAttribute(A.streamOutcome, outcome);
      this.span.setAttribute(A.streamChunks, this.chunks);
      this.span.setAttribute(A.streamEntries, this.entries);
      if (options.cancelRequested) this.span.setAttribute(A.streamCancelRequested, true);
      if (outcome !== 'ended') markSpanFailed(this.span, options.error);
    }
    this.span.end();
  }
}

/**
 * One `tristack.token_stream.consume` CONSUMER span per `read`: from the first `next()` to the
 * end of the iteration, with the chunk count and how it ended. Its parent is the context active
 * when `read` was called (the reader's request); it links to the stream's producer span when the
 * store kept its `traceparent` (a reader usually serves another request than the producer's, so
 * a link, not a parent). Created after the first poll, with the time before it as its start, so
 * the link is there when a sampler decides.
 */
export class TokenStreamConsumeTelemetry {
  private span: Span | undefined;
  private readonly startTime = Date.now();
  private chunks = 0;

  constructor(
    private readonly parent: Context,
    private readonly resumed: boolean,
  ) {}

  /** Starts the span (once) with a link to the producer `traceparent` names. */
  begin(traceparent?: string): void {
    if (this.span) return;
    const producer = spanContextOf(traceparent);
    this.span = coreTelemetry.tracer.startSpan(
      TelemetrySpanName.tokenStreamConsume,
      {
        kind: TelemetrySpanKind.CONSUMER,
        startTime: this.startTime,
        ...(producer ? { links: [{ context: producer }] } : {}),
      },
      this.parent,
    );
    if (this.span.isRecording()) {
      this.span.setAttribute(A.streamOperation, 'consume');
      this.span.setAttribute(A.streamResumed, this.resumed);
    }
  }

  /** A chunk was handed to the reader. */
  read(): void {
    this.chunks++;
  }

  /** Ends the span: `ended` (the stream's end), `stopped` (the reader broke off or aborted), `failed` (it threw). */
  finish(outcome: 'ended' | 'stopped' | 'failed', error?: unknown): void {
    this.begin();
    const span = this.span!;
    if (span.isRecording()) {
      span.setAttribute(A.streamOutcome, outcome);
      span.setAttribute(A.streamChunks, this.chunks);
      if (outcome === 'failed') markSpanFailed(span, error);
    }
    span.end();
  }
}
