/**
 * A resumable stream of text chunks (model tokens) for one response. A producer opens it and
 * writes; any number of readers, in any process, read it from the start or resume after the last
 * id they saw, and learn how it ended: normally, with the producer's error, or abnormally when
 * the producer went silent for longer than its heartbeat timeout.
 */
export interface TokenStream {
  /**
   * Creates the stream and returns its only writer. Fails with `TokenStreamAlreadyExistsError`
   * when a stream with this id exists (open, ended or failed, until its TTL runs out).
   */
  open(streamId: string, options?: TokenStreamOpenOptions): Promise<TokenStreamWriter>;

  /**
   * Reads the stream from the beginning, or after `options.after` (an entry id seen earlier).
   * Waits for new chunks, finishes after the producer's `end`, and throws
   * `TokenStreamFailedError` after `fail`, `TokenStreamProducerGoneError` when the producer went
   * silent, `TokenStreamTrimmedError` when chunks after `after` were trimmed away, and
   * `TokenStreamNotFoundError` when the stream does not exist (never opened, or expired).
   * Breaking out of the loop or aborting `options.signal` releases the reader's connection.
   */
  read(streamId: string, options?: TokenStreamReadOptions): AsyncIterableIterator<TokenStreamEntry>;

  /**
   * Asks the producer to stop: its writer's `signal` aborts at its next write or heartbeat.
   * Resolves `true` when the stream was open, `false` when it had ended, failed, been abandoned
   * or does not exist. The producer still ends (or fails) the stream itself.
   */
  cancel(streamId: string, reason?: string): Promise<boolean>;

  /** The stream's state, or `undefined` when it does not exist (never opened, or expired). */
  status(streamId: string): Promise<TokenStreamStatus | undefined>;
}

/** The producer's handle on one open stream. */
export interface TokenStreamWriter {
  readonly streamId: string;

  /**
   * Aborts when someone calls `cancel(streamId)`; `signal.reason` is a `TokenStreamCancelledError`.
   * Pass it to the model call so cancelling stops generation.
   */
  readonly signal: AbortSignal;

  /**
   * Queues a chunk. Chunks written within `coalesceMs` of each other go to the store as one
   * entry (one round trip); readers still see each chunk on its own, with its own id.
   * Resolves once the chunk is queued (waiting only when a full batch is already queued), so
   * awaiting every write does not defeat coalescing; call `flush` to wait until it is stored.
   * Rejects with the error of an earlier failed flush, or `TokenStreamClosedError` after `end`/`fail`.
   */
  write(chunk: string): Promise<void>;

  /** Resolves when every chunk written so far is stored and visible to readers. */
  flush(): Promise<void>;

  /**
   * Stores the queued chunks, then `final` (when given) as the last chunk, and marks the stream
   * ended, in one round trip. Readers finish after the last chunk.
   */
  end(final?: string): Promise<void>;

  /**
   * Stores the queued chunks and marks the stream failed with `error`'s message (and code, for a
   * `TristackError`): readers throw `TokenStreamFailedError` after the last chunk.
   */
  fail(error: unknown): Promise<void>;
}

/** One chunk as a reader sees it. */
export interface TokenStreamEntry {
  /** Opaque, ordered cursor (`<entry>:<chunk index>`): pass it as `after` (or SSE `Last-Event-ID`) to resume. */
  readonly id: string;
  readonly chunk: string;
}

export interface TokenStreamOpenOptions {
  /**
   * How long the stream stays readable after its last write, in ms (renewed by every write and heartbeat).
   * @default 3_600_000 (one hour)
   */
  ttlMs?: number;
  /**
   * Entries kept (each flushed batch is one entry); older ones are trimmed, approximately on
   * Redis. A reader that falls behind the trimmed part gets `TokenStreamTrimmedError`.
   * @default 10_000
   */
  maxLength?: number;
  /**
   * How long a written chunk waits for more before its batch is flushed, in ms. `0` flushes at
   * once; chunks written while a flush is in flight still share the next one.
   * @default 5
   */
  coalesceMs?: number;
  /**
   * Most chunks in one entry; a full batch is flushed at once. `1` stores every chunk as its own entry.
   * @default 256
   */
  maxBatchChunks?: number;
  /**
   * How often the writer proves it is alive while it has nothing to write, in ms. `0` turns
   * heartbeats off: then only writes show the producer is alive.
   * @default 1_000
   */
  heartbeatIntervalMs?: number;
  /**
   * Silence (no write, no heartbeat) after which readers throw `TokenStreamProducerGoneError`
   * and the stream counts as abandoned. Must exceed `heartbeatIntervalMs`.
   * @default 5_000
   */
  heartbeatTimeoutMs?: number;
}

export interface TokenStreamReadOptions {
  /** Resume after this entry id (from an earlier read, or SSE `Last-Event-ID`). Absent: from the first chunk. */
  after?: string;
  /** Aborting stops the reader: the iteration finishes without an error and its connection is released. */
  signal?: AbortSignal;
}

/**
 * `open`: accepting writes. `ended` / `failed`: the producer finished it. `abandoned`: it was
 * open but silent for longer than its heartbeat timeout (the producer crashed or lost Redis).
 */
export type TokenStreamState = 'open' | 'ended' | 'failed' | 'abandoned';

export interface TokenStreamStatus {
  state: TokenStreamState;
  /** Chunks stored so far. */
  chunks: number;
  /** True once `cancel` was called while the stream was open. */
  cancelRequested: boolean;
  /** Time since the producer's last write or heartbeat, in ms (server time on Redis). */
  idleMs: number;
  heartbeatTimeoutMs: number;
}
