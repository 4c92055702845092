import { setTimeout as sleep } from 'node:timers/promises';
import { validateId, type TokenStreamOptions } from '@tristack/core';
import {
  BaseTokenStream,
  parseOptions,
  tokenStreamOptionsSchema,
  type RedisConnection,
  type TokenStreamLiveness,
  type TokenStreamSettings,
  type TokenStreamSink,
  type TokenStreamSinkReply,
  type TokenStreamSource,
} from '@tristack/core/driver-kit';
import { toRedisConnection } from '../connection.js';
import { splitRedisDriverOptions, type RedisDriverOptions } from '../driver-options.js';
import { redisKey } from '../keys.js';
import {
  appendScript,
  cancelScript,
  heartbeatScript,
  openScript,
  pollScript,
} from './token-stream-scripts.js';
import { entriesOfXread, pollReplyOf } from './token-stream-replies.js';

const DRIVER = 'redis';
/** Without `duplicate()` a reader cannot block; it polls this often instead. */
const POLL_WITHOUT_BLOCKING_MS = 50;

export interface RedisTokenStreamOptions extends RedisDriverOptions, TokenStreamOptions {}

/** The keys of one stream: its entries (a Stream) and its meta hash, in one hash slot. */
export function tokenStreamKeys(prefix: string, streamId: string): { entries: string; meta: string } {
  return {
    entries: redisKey(prefix, 'token-stream', [streamId], 'entries'),
    meta: redisKey(prefix, 'token-stream', [streamId], 'meta'),
  };
}

function sinkReplyOf(reply: unknown): TokenStreamSinkReply {
  const [ok, detail] = reply as [number, string | null];
  if (ok === 1)
    return detail === null || detail === undefined ? { ok: true } : { ok: true, cancelReason: detail };
  return { ok: false, state: detail as Exclude<TokenStreamSinkReply, { ok: true }>['state'] };
}

/**
 * `TokenStream` on Redis: one Redis Stream per response plus a small meta hash, both in the
 * stream id's hash slot. Each flushed batch is one script (XADD + MAXLEN trim + heartbeat +
 * PEXPIRE); readers block with XREAD on their own duplicated connection and check the producer's
 * heartbeat (server time) only when it could be overdue. The data lives in Redis, so a reader
 * can resume on any worker, and a crashed producer is detected instead of hanging readers.
 */
export class RedisTokenStream extends BaseTokenStream {
  private readonly connection: RedisConnection;
  private readonly prefix: string;

  constructor(options: RedisTokenStreamOptions) {
    const what = { what: 'RedisTokenStream', driver: DRIVER };
    const { client, prefix, rest } = splitRedisDriverOptions(options, 'RedisTokenStream');
    super(parseOptions(tokenStreamOptionsSchema, rest, what), DRIVER, 'RedisTokenStream');
    this.connection = toRedisConnection(client, DRIVER);
    this.prefix = prefix;
  }

  /** The keys of a stream (for tools and tests). */
  keys(streamId: string): { entries: string; meta: string } {
    return tokenStreamKeys(this.prefix, validateId(streamId, 'streamId', DRIVER));
  }

  protected async create(
    streamId: string,
    settings: TokenStreamSettings,
    traceparent: string | undefined,
  ): Promise<boolean> {
    const keys = tokenStreamKeys(this.prefix, streamId);
    const created = await openScript.run(
      this.connection,
      [keys.entries, keys.meta],
      [String(settings.ttlMs), String(settings.heartbeatTimeoutMs), traceparent ?? ''],
    );
    return created === 1;
  }

  protected sink(streamId: string, settings: TokenStreamSettings): TokenStreamSink {
    const keys = tokenStreamKeys(this.prefix, streamId);
    const maxLength = String(settings.maxLength);
    return {
      append: async (chunks, terminal) =>
        sinkReplyOf(
          await appendScript.run(
            this.connection,
            [keys.entries, keys.meta],
            [
              maxLength,
              terminal?.kind ?? '',
              terminal?.kind === 'fail' ? terminal.reason : '',
              terminal?.kind === 'fail' ? (terminal.code ?? '') : '',
              ...chunks,
            ],
          ),
        ),
      heartbeat: async () =>
        sinkReplyOf(await heartbeatScript.run(this.connection, [keys.entries, keys.meta])),
    };
  }

  protected async requestCancel(streamId: string, reason: string): Promise<boolean> {
    const keys = tokenStreamKeys(this.prefix, streamId);
    const reply = (await cancelScript.run(this.connection, [keys.entries, keys.meta], [reason])) as [number];
    return reply[0] === 1;
  }

  protected async liveness(streamId: string): Promise<TokenStreamLiveness | undefined> {
    const keys = tokenStreamKeys(this.prefix, streamId);
    return pollReplyOf(await pollScript.run(this.connection, [keys.entries, keys.meta], ['0-0', '0']))
      .liveness;
  }

  protected async source(streamId: string): Promise<TokenStreamSource> {
    const keys = tokenStreamKeys(this.prefix, streamId);
    // The blocking connection is made on the first wait: a reader of a missing or finished
    // stream never needs one.
    let blocking: ReturnType<NonNullable<RedisConnection['duplicate']>> | undefined;
    return {
      poll: async (afterEntryId, count) =>
        pollReplyOf(
          await pollScript.run(this.connection, [keys.entries, keys.meta], [afterEntryId, String(count)]),
        ),
      wait: async (afterEntryId, count, timeoutMs, signal) => {
        if (signal?.aborted) return [];
        const read = ['XREAD', 'COUNT', String(count)];
        if (this.connection.duplicate) {
          blocking ??= this.connection.duplicate();
          const connection = await blocking;
          // A blocked XREAD cannot be interrupted: an abort stops waiting for it, and `close`
          // releases the connection once it returns (within `blockMs`).
          const reply = connection.sendCommand(
            [...read, 'BLOCK', String(timeoutMs), 'STREAMS', keys.entries, afterEntryId],
            { key: keys.entries },
          );
          return entriesOfXread(await raceAbort(reply, signal));
        }
        const ready = entriesOfXread(
          await this.connection.sendCommand([...read, 'STREAMS', keys.entries, afterEntryId], {
            key: keys.entries,
          }),
        );
        if (ready.length > 0) return ready;
        // An abort only ends the pause early: the caller sees no entries, as after a timeout.
        await sleep(Math.min(timeoutMs, POLL_WITHOUT_BLOCKING_MS), undefined, { signal }).catch(
          () => undefined,
        );
        return [];
      },
      close: async () => {
        if (blocking) await (await blocking.catch(() => undefined))?.close();
      },
    };
  }
}

/** `promise`'s value, or `null` as soon as `signal` aborts (the promise keeps running). */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T | null> {
  if (!signal) return promise;
  promise.catch(() => {});
  return new Promise<T | null>((resolve, reject) => {
    const onAbort = () => resolve(null);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
