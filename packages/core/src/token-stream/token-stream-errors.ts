import { AbortedError, TristackError, type TristackErrorOptions } from '../errors.js';

const tokenStreamFailedMarker = Symbol.for('tristack.error.TokenStreamFailedError');
const tokenStreamProducerGoneMarker = Symbol.for('tristack.error.TokenStreamProducerGoneError');
const tokenStreamTrimmedMarker = Symbol.for('tristack.error.TokenStreamTrimmedError');
const tokenStreamNotFoundMarker = Symbol.for('tristack.error.TokenStreamNotFoundError');
const tokenStreamAlreadyExistsMarker = Symbol.for('tristack.error.TokenStreamAlreadyExistsError');
const tokenStreamClosedMarker = Symbol.for('tristack.error.TokenStreamClosedError');
const tokenStreamCancelledMarker = Symbol.for('tristack.error.TokenStreamCancelledError');

type Options = TristackErrorOptions & { streamId: string };

function withStream(options: Options, extra: Record<string, unknown> = {}): TristackErrorOptions {
  const { streamId, details, ...rest } = options;
  return { ...rest, details: { ...details, streamId, ...extra } };
}

/** The producer ended the stream with `fail(error)`; `reason` is that error's message. */
export class TokenStreamFailedError extends TristackError {
  private readonly [tokenStreamFailedMarker] = true;
  readonly streamId: string;
  readonly reason: string;
  /** The producer error's `code`, when it had one. */
  readonly producerCode: string | undefined;
  constructor(options: Options & { reason: string; producerCode?: string }) {
    super('STREAM_FAILED', `stream ${options.streamId} failed: ${options.reason}`, withStream(options));
    this.streamId = options.streamId;
    this.reason = options.reason;
    this.producerCode = options.producerCode;
  }

  static override isInstance(error: unknown): error is TokenStreamFailedError {
    return TristackError.hasMarker(error, tokenStreamFailedMarker);
  }
}

/** The producer neither wrote nor sent a heartbeat for longer than the heartbeat timeout, and did not end the stream. */
export class TokenStreamProducerGoneError extends TristackError {
  private readonly [tokenStreamProducerGoneMarker] = true;
  readonly streamId: string;
  readonly silentForMs: number;
  readonly heartbeatTimeoutMs: number;
  constructor(options: Options & { silentForMs: number; heartbeatTimeoutMs: number }) {
    super(
      'PRODUCER_GONE',
      `stream ${options.streamId}: the producer has been silent for ${options.silentForMs} ms ` +
        `(heartbeat timeout ${options.heartbeatTimeoutMs} ms) without ending the stream`,
      withStream(options, {
        silentForMs: options.silentForMs,
        heartbeatTimeoutMs: options.heartbeatTimeoutMs,
      }),
    );
    this.streamId = options.streamId;
    this.silentForMs = options.silentForMs;
    this.heartbeatTimeoutMs = options.heartbeatTimeoutMs;
  }

  static override isInstance(error: unknown): error is TokenStreamProducerGoneError {
    return TristackError.hasMarker(error, tokenStreamProducerGoneMarker);
  }
}

/** Chunks the reader still needed were trimmed (`maxLength`): resuming would leave a gap. */
export class TokenStreamTrimmedError extends TristackError {
  private readonly [tokenStreamTrimmedMarker] = true;
  readonly streamId: string;
  /** Index of the first chunk the reader needed, and of the first chunk still stored. */
  readonly neededChunk: number;
  readonly firstStoredChunk: number;
  constructor(options: Options & { neededChunk: number; firstStoredChunk: number }) {
    super(
      'STREAM_TRIMMED',
      `stream ${options.streamId}: chunks ${options.neededChunk}..${options.firstStoredChunk - 1} were trimmed`,
      withStream(options, { neededChunk: options.neededChunk, firstStoredChunk: options.firstStoredChunk }),
    );
    this.streamId = options.streamId;
    this.neededChunk = options.neededChunk;
    this.firstStoredChunk = options.firstStoredChunk;
  }

  static override isInstance(error: unknown): error is TokenStreamTrimmedError {
    return TristackError.hasMarker(error, tokenStreamTrimmedMarker);
  }
}

/** No stream with this id: never opened, or its TTL ran out. */
export class TokenStreamNotFoundError extends TristackError {
  private readonly [tokenStreamNotFoundMarker] = true;
  readonly streamId: string;
  constructor(options: Options) {
    super(
      'NOT_FOUND',
      `stream ${options.streamId} does not exist (never opened, or expired)`,
      withStream(options),
    );
    this.streamId = options.streamId;
  }

  static override isInstance(error: unknown): error is TokenStreamNotFoundError {
    return TristackError.hasMarker(error, tokenStreamNotFoundMarker);
  }
}

/** `open` on an id that is already taken. */
export class TokenStreamAlreadyExistsError extends TristackError {
  private readonly [tokenStreamAlreadyExistsMarker] = true;
  readonly streamId: string;
  constructor(options: Options) {
    super('CONFLICT', `stream ${options.streamId} already exists`, withStream(options));
    this.streamId = options.streamId;
  }

  static override isInstance(error: unknown): error is TokenStreamAlreadyExistsError {
    return TristackError.hasMarker(error, tokenStreamAlreadyExistsMarker);
  }
}

/** A write to a stream that is no longer open: ended, failed, abandoned or expired. */
export class TokenStreamClosedError extends TristackError {
  private readonly [tokenStreamClosedMarker] = true;
  readonly streamId: string;
  readonly state: string;
  constructor(options: Options & { state: string }) {
    super('STREAM_CLOSED', `stream ${options.streamId} is ${options.state}: it takes no more writes`, {
      ...withStream(options, { state: options.state }),
    });
    this.streamId = options.streamId;
    this.state = options.state;
  }

  static override isInstance(error: unknown): error is TokenStreamClosedError {
    return TristackError.hasMarker(error, tokenStreamClosedMarker);
  }
}

/** The `reason` of a writer's aborted `signal` after `cancel(streamId)`. */
export class TokenStreamCancelledError extends AbortedError {
  private readonly [tokenStreamCancelledMarker] = true;
  readonly streamId: string;
  readonly reason: string;
  constructor(options: Options & { reason: string }) {
    super(`stream ${options.streamId} was cancelled: ${options.reason}`, withStream(options));
    this.streamId = options.streamId;
    this.reason = options.reason;
  }

  static override isInstance(error: unknown): error is TokenStreamCancelledError {
    return TristackError.hasMarker(error, tokenStreamCancelledMarker);
  }
}
