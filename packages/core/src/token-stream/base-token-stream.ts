import { validateId } from '../ids.js';
import { parseInput, parseOptions } from '../validation.js';
import { CoalescingTokenStreamWriter } from './coalescing-token-stream-writer.js';
import { readTokenStreamEntries, type ReadLoopSettings } from './read-token-stream-entries.js';
import type { TokenStreamLiveness, TokenStreamSink, TokenStreamSource } from './token-stream-backend.js';
import { TokenStreamAlreadyExistsError } from './token-stream-errors.js';
import { TokenStreamProduceTelemetry } from './token-stream-telemetry.js';
import {
  TOKEN_STREAM_DEFAULTS,
  resolveTokenStreamSettings,
  tokenStreamCancelReasonSchema,
  tokenStreamSettingsSchema,
  type TokenStreamSettings,
} from './token-stream-options.js';
import type {
  TokenStream,
  TokenStreamEntry,
  TokenStreamOpenOptions,
  TokenStreamReadOptions,
  TokenStreamStatus,
  TokenStreamWriter,
} from './token-stream.js';

/** The shared options as a driver has parsed them with (an extension of) `tokenStreamOptionsSchema`. */
export interface ParsedTokenStreamOptions extends Partial<TokenStreamSettings> {
  blockMs: number;
  readBatchEntries: number;
}

/**
 * What every `TokenStream` driver shares: id, option and reason validation, the coalescing writer
 * (batching, heartbeats, cancel and close rules) and the reader (resume, gaps, terminal entries,
 * the abandoned-producer check). A driver supplies five store operations, the writer's
 * `TokenStreamSink` and the reader's `TokenStreamSource`. For driver authors.
 *
 * The contract does not include: the clock (the store stamps heartbeats and entry ids with its
 * own time, so `idleMs` is measured by one clock), entry id format beyond "`<ms>-<seq>`,
 * increasing", key layout, how a reader waits (blocking read, polling or an in-process wake-up),
 * and connection handling.
 */
export abstract class BaseTokenStream implements TokenStream {
  protected readonly defaults: Partial<TokenStreamSettings>;
  private readonly reader: ReadLoopSettings;

  protected constructor(
    options: ParsedTokenStreamOptions,
    protected readonly driver: string,
    what: string,
  ) {
    const { blockMs, readBatchEntries, ...defaults } = options;
    parseOptions(tokenStreamSettingsSchema, { ...TOKEN_STREAM_DEFAULTS, ...defaults }, { what, driver });
    this.defaults = defaults;
    this.reader = { driver, blockMs, batchEntries: readBatchEntries };
  }

  /**
   * Creates an open, empty stream with `settings`' TTL and heartbeat timeout; `false` if one
   * exists. `traceparent` (the producer span's W3C context, undefined without an OpenTelemetry
   * SDK) is kept with the stream when the driver can, and returned in its liveness, so readers'
   * spans link to the producer's; a driver may ignore it (readers then start unlinked).
   */
  protected abstract create(
    streamId: string,
    settings: TokenStreamSettings,
    traceparent: string | undefined,
  ): Promise<boolean>;
  /** The writer's store operations for a stream `create` made. */
  protected abstract sink(streamId: string, settings: TokenStreamSettings): TokenStreamSink;
  /** The reader's store operations (may open a blocking connection lazily). */
  protected abstract source(streamId: string): Promise<TokenStreamSource>;
  /** Records a cancel request with `reason` when the stream is open; `false` otherwise. */
  protected abstract requestCancel(streamId: string, reason: string): Promise<boolean>;
  /** The stream's liveness now, or `undefined` when there is no such stream. */
  protected abstract liveness(streamId: string): Promise<TokenStreamLiveness | undefined>;

  async open(streamId: string, options?: TokenStreamOpenOptions): Promise<TokenStreamWriter> {
    validateId(streamId, 'streamId', this.driver);
    const settings = resolveTokenStreamSettings(this.defaults, options, this.driver);
    const telemetry = new TokenStreamProduceTelemetry();
    let created: boolean;
    try {
      created = await this.create(streamId, settings, telemetry.traceparent);
    } catch (error) {
      telemetry.finish('error', { error });
      throw error;
    }
    if (!created) {
      const error = new TokenStreamAlreadyExistsError({ streamId, driver: this.driver });
      telemetry.finish('error', { error });
      throw error;
    }
    return new CoalescingTokenStreamWriter(
      streamId,
      settings,
      this.sink(streamId, settings),
      this.driver,
      telemetry,
    );
  }

  read(streamId: string, options?: TokenStreamReadOptions): AsyncIterableIterator<TokenStreamEntry> {
    return readTokenStreamEntries(streamId, options, () => this.source(streamId), this.reader);
  }

  async cancel(streamId: string, reason?: string): Promise<boolean> {
    validateId(streamId, 'streamId', this.driver);
    const why = parseInput(tokenStreamCancelReasonSchema, reason, {
      what: 'cancel reason',
      driver: this.driver,
    });
    return this.requestCancel(streamId, why ?? '');
  }

  async status(streamId: string): Promise<TokenStreamStatus | undefined> {
    validateId(streamId, 'streamId', this.driver);
    const liveness = await this.liveness(streamId);
    if (!liveness) return undefined;
    const { state, chunks, cancelRequested, idleMs, heartbeatTimeoutMs } = liveness;
    return { state, chunks, cancelRequested, idleMs, heartbeatTimeoutMs };
  }
}
