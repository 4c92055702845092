import { setTimeout as sleep } from 'node:timers/promises';
import {
  InvalidInputError,
  InvalidOptionsError,
  TokenStreamAlreadyExistsError,
  TokenStreamCancelledError,
  TokenStreamClosedError,
  TokenStreamFailedError,
  TokenStreamNotFoundError,
  TokenStreamProducerGoneError,
  TokenStreamTrimmedError,
  TristackError,
  type TokenStream,
  type TokenStreamOptions,
  type TokenStreamEntry,
  type TokenStreamReadOptions,
} from '@tristack/core';
import { afterEach, describe, expect, it } from 'vitest';
import { describeTokenStreamSse } from './token-stream-sse.js';

export interface TokenStreamConformanceContext {
  /**
   * Creates a driver instance. Every instance created from one context shares the store, like
   * workers of a fleet sharing one Redis. May throw `InvalidOptionsError`.
   */
  create(options?: TokenStreamOptions): TokenStream | Promise<TokenStream>;
  /** Called after each test. */
  cleanup?(): Promise<void>;
}

/** Short enough to keep the suite fast on drivers that keep real time. */
const HEARTBEAT_TIMEOUT_MS = 300;
const READER = { blockMs: 100 };

/** Reads until the stream finishes (or `limit` chunks); returns what was read and how it ended. */
export async function readTokenStreamToEnd(
  tokenStream: TokenStream,
  streamId: string,
  options: TokenStreamReadOptions & { limit?: number } = {},
): Promise<{ entries: TokenStreamEntry[]; error?: unknown }> {
  const { limit = Number.POSITIVE_INFINITY, ...read } = options;
  const entries: TokenStreamEntry[] = [];
  if (limit <= 0) return { entries };
  try {
    for await (const entry of tokenStream.read(streamId, read)) {
      entries.push(entry);
      if (entries.length >= limit) break;
    }
    return { entries };
  } catch (error) {
    return { entries, error };
  }
}

const chunksOf = (entries: readonly TokenStreamEntry[]) => entries.map((entry) => entry.chunk);
const entryPart = (id: string) => id.slice(0, id.lastIndexOf(':'));

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

/**
 * The behaviour every `TokenStream` driver must have: ordered chunks with resumable ids,
 * coalescing that readers cannot see, resume after any id on any instance, live tailing, normal,
 * failed and abandoned ends, heartbeats, cancellation as an AbortSignal, trimming and TTL,
 * validation, and the SSE responders.
 */
export function describeTokenStream(
  name: string,
  setup: () => TokenStreamConformanceContext | Promise<TokenStreamConformanceContext>,
): void {
  describe(`TokenStream conformance: ${name}`, () => {
    let context: TokenStreamConformanceContext | undefined;
    const fresh = async (options: TokenStreamOptions = {}) => {
      context ??= await setup();
      return context.create({ ...READER, ...options });
    };
    afterEach(async () => {
      await context?.cleanup?.();
      context = undefined;
    });

    it('delivers every chunk in order with increasing ids, then finishes after end', async () => {
      const tokens = await fresh();
      const writer = await tokens.open('answer-1');
      const written = ['Hello', ',', ' wörld 🌍', '', 'line\nbreak', 'x'.repeat(10_000)];
      for (const chunk of written) await writer.write(chunk);
      await writer.end();
      const { entries, error } = await readTokenStreamToEnd(tokens, 'answer-1');
      expect(error).toBeUndefined();
      expect(chunksOf(entries)).toEqual(written);
      expect(new Set(entries.map((entry) => entry.id)).size).toBe(written.length);
      expect(await tokens.status('answer-1')).toMatchObject({ state: 'ended', chunks: written.length });
    });

    it('coalesces chunks written within coalesceMs into one entry; readers still get each chunk and id', async () => {
      const tokens = await fresh();
      const coalesced = await tokens.open('coalesced', { coalesceMs: 50 });
      for (let index = 0; index < 20; index++) void coalesced.write(`c${index}`);
      await coalesced.end('!');
      const one = await readTokenStreamToEnd(tokens, 'coalesced');
      expect(chunksOf(one.entries)).toEqual([...Array.from({ length: 20 }, (_, index) => `c${index}`), '!']);
      // One stored entry holds every chunk: the ids share the entry part.
      expect(new Set(one.entries.map((entry) => entryPart(entry.id))).size).toBe(1);

      const separate = await tokens.open('separate', { maxBatchChunks: 1 });
      for (let index = 0; index < 5; index++) await separate.write(`s${index}`);
      await separate.end();
      const each = await readTokenStreamToEnd(tokens, 'separate');
      expect(chunksOf(each.entries)).toEqual(['s0', 's1', 's2', 's3', 's4']);
      expect(new Set(each.entries.map((entry) => entryPart(entry.id))).size).toBe(5);
    });

    it('resumes after any id, inside a coalesced entry too, on any instance: no gap, no duplicate', async () => {
      const tokens = await fresh();
      const writer = await tokens.open('resume', { maxBatchChunks: 4 });
      const written = Array.from({ length: 30 }, (_, index) => `t${index} `);
      for (const chunk of written) void writer.write(chunk);
      await writer.end();
      const { entries } = await readTokenStreamToEnd(tokens, 'resume');
      expect(chunksOf(entries)).toEqual(written);
      const otherWorker = await context!.create(READER);
      for (let index = 0; index < entries.length; index++) {
        const rest = await readTokenStreamToEnd(otherWorker, 'resume', { after: entries[index]!.id });
        expect(rest.error).toBeUndefined();
        expect(chunksOf(rest.entries)).toEqual(written.slice(index + 1));
        expect(rest.entries.map((entry) => entry.id)).toEqual(
          entries.slice(index + 1).map((entry) => entry.id),
        );
      }
    });

    it('tails a live stream: a reader that starts first gets chunks as they are written', async () => {
      const tokens = await fresh();
      const writer = await tokens.open('live', { coalesceMs: 0 });
      const reading = readTokenStreamToEnd(tokens, 'live');
      const written: string[] = [];
      for (let index = 0; index < 50; index++) {
        written.push(`${index},`);
        await writer.write(`${index},`);
        if (index % 10 === 0) await sleep(15);
      }
      await writer.end('done');
      const { entries, error } = await reading;
      expect(error).toBeUndefined();
      expect(chunksOf(entries)).toEqual([...written, 'done']);
    });

    it('survives readers disconnecting at many points while the producer writes (another instance each time)', async () => {
      const tokens = await fresh();
      const writer = await tokens.open('reconnect', { coalesceMs: 2, maxBatchChunks: 16 });
      const written = Array.from({ length: 600 }, (_, index) => `<${index}>`);
      const producing = (async () => {
        for (let index = 0; index < written.length; index++) {
          await writer.write(written[index]!);
          if (index % 50 === 0) await sleep(5);
        }
        await writer.end();
      })();
      const received: TokenStreamEntry[] = [];
      let after: string | undefined;
      for (let attempt = 0; attempt < 200; attempt++) {
        const worker = await context!.create(READER);
        const part = await readTokenStreamToEnd(worker, 'reconnect', {
          ...(after ? { after } : {}),
          limit: 37 + attempt * 11,
        });
        expect(part.error).toBeUndefined();
        received.push(...part.entries);
        after = received.at(-1)?.id ?? after;
        if (part.entries.length < 37 + attempt * 11) break;
      }
      await producing;
      expect(chunksOf(received).join('')).toBe(written.join(''));
      expect(new Set(received.map((entry) => entry.id)).size).toBe(written.length);
    });

    it('flush resolves once every chunk written so far is visible to other instances', async () => {
      const tokens = await fresh();
      const writer = await tokens.open('flushed', { coalesceMs: 10_000 });
      await writer.write('a');
      await writer.write('b');
      const otherWorker = await context!.create(READER);
      expect((await otherWorker.status('flushed'))?.chunks).toBe(0);
      await writer.flush();
      expect((await otherWorker.status('flushed'))?.chunks).toBe(2);
      expect(chunksOf((await readTokenStreamToEnd(otherWorker, 'flushed', { limit: 2 })).entries)).toEqual([
        'a',
        'b',
      ]);
      await writer.end();
    });

    it('fail: readers get the written prefix, then TokenStreamFailedError with the reason and code', async () => {
      const tokens = await fresh();
      const writer = await tokens.open('failing');
      await writer.write('partial ');
      await writer.write('answer');
      await writer.fail(new InvalidInputError('the model refused', { driver: 'model' }));
      const { entries, error } = await readTokenStreamToEnd(tokens, 'failing');
      expect(chunksOf(entries)).toEqual(['partial ', 'answer']);
      expect(error).toBeInstanceOf(TokenStreamFailedError);
      expect(error).toMatchObject({
        code: 'STREAM_FAILED',
        streamId: 'failing',
        producerCode: 'INVALID_INPUT',
      });
      expect((error as TokenStreamFailedError).reason).toContain('the model refused');
      // A reader resuming after the last chunk learns the same ending.
      const resumed = await readTokenStreamToEnd(tokens, 'failing', { after: entries[1]!.id });
      expect(resumed.entries).toEqual([]);
      expect(resumed.error).toBeInstanceOf(TokenStreamFailedError);
      expect((await tokens.status('failing'))?.state).toBe('failed');
      await expect(writer.write('late')).rejects.toBeInstanceOf(TokenStreamClosedError);
    });

    it('producer gone: a silent producer yields the prefix, then TokenStreamProducerGoneError within the timeout', async () => {
      const tokens = await fresh();
      // Heartbeats off: once it stops writing, this producer looks exactly like a crashed one.
      const writer = await tokens.open('crashed', {
        heartbeatIntervalMs: 0,
        heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS,
      });
      for (let index = 0; index < 10; index++) await writer.write(`p${index}`);
      await writer.flush();
      const silentSince = Date.now();
      const { entries, error } = await readTokenStreamToEnd(tokens, 'crashed');
      const detectedAfter = Date.now() - silentSince;
      expect(chunksOf(entries)).toEqual(Array.from({ length: 10 }, (_, index) => `p${index}`));
      expect(error).toBeInstanceOf(TokenStreamProducerGoneError);
      expect(TristackError.hasCode(error, 'PRODUCER_GONE')).toBe(true);
      expect((error as TokenStreamProducerGoneError).heartbeatTimeoutMs).toBe(HEARTBEAT_TIMEOUT_MS);
      expect((error as TokenStreamProducerGoneError).silentForMs).toBeGreaterThan(HEARTBEAT_TIMEOUT_MS);
      // The bound: the error comes once the timeout has passed (silentForMs, on the
      // store's clock, says it had), not much later.
      expect(detectedAfter).toBeLessThan(HEARTBEAT_TIMEOUT_MS + 1_500);
      expect((await tokens.status('crashed'))?.state).toBe('abandoned');
      // A late write must not revive a stream readers were told is gone.
      const late = await rejection(writer.write('late').then(() => writer.flush()));
      expect(late).toBeInstanceOf(TokenStreamClosedError);
      expect((late as TokenStreamClosedError).state).toBe('abandoned');
      expect(await tokens.cancel('crashed')).toBe(false);
    });

    it('heartbeats keep a producer that has nothing to write alive', async () => {
      const tokens = await fresh();
      const writer = await tokens.open('thinking', {
        heartbeatIntervalMs: 50,
        heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS,
      });
      await writer.write('first');
      const reading = readTokenStreamToEnd(tokens, 'thinking');
      await sleep(HEARTBEAT_TIMEOUT_MS * 3);
      expect((await tokens.status('thinking'))?.state).toBe('open');
      await writer.end('second');
      const { entries, error } = await reading;
      expect(error).toBeUndefined();
      expect(chunksOf(entries)).toEqual(['first', 'second']);
    });

    it('cancel aborts the writer signal (at its next heartbeat or write), from any instance', async () => {
      const tokens = await fresh();
      const writer = await tokens.open('stoppable', { heartbeatIntervalMs: 30 });
      expect(writer.signal.aborted).toBe(false);
      const aborted = new Promise<unknown>((resolve) =>
        writer.signal.addEventListener('abort', () => resolve(writer.signal.reason), { once: true }),
      );
      const otherWorker = await context!.create(READER);
      expect(await otherWorker.cancel('stoppable', 'user pressed stop')).toBe(true);
      expect((await tokens.status('stoppable'))?.cancelRequested).toBe(true);
      const reason = await aborted;
      expect(reason).toBeInstanceOf(TokenStreamCancelledError);
      expect(reason).toMatchObject({ code: 'ABORTED', reason: 'user pressed stop', streamId: 'stoppable' });
      // The producer still decides how the stream ends.
      await writer.end('[stopped]');
      expect(chunksOf((await readTokenStreamToEnd(tokens, 'stoppable')).entries)).toEqual(['[stopped]']);
      expect(await tokens.cancel('stoppable')).toBe(false);
      expect(await tokens.cancel('never-opened')).toBe(false);

      // With heartbeats off, the next flush carries the request.
      const busy = await tokens.open('busy', { heartbeatIntervalMs: 0 });
      await tokens.cancel('busy');
      await busy.write('x');
      await busy.flush();
      expect(busy.signal.aborted).toBe(true);
      expect((busy.signal.reason as TokenStreamCancelledError).reason).toBe('cancelled');
      await busy.end();
    });

    it('throws TokenStreamNotFoundError for a stream that was never opened; status is undefined', async () => {
      const tokens = await fresh();
      const { entries, error } = await readTokenStreamToEnd(tokens, 'missing');
      expect(entries).toEqual([]);
      expect(error).toBeInstanceOf(TokenStreamNotFoundError);
      expect(error).toMatchObject({ code: 'NOT_FOUND', streamId: 'missing' });
      expect(await tokens.status('missing')).toBeUndefined();
    });

    it('refuses a second open of the same id, and writes after end', async () => {
      const tokens = await fresh();
      const writer = await tokens.open('once');
      const again = await rejection(tokens.open('once'));
      expect(again).toBeInstanceOf(TokenStreamAlreadyExistsError);
      expect(TristackError.hasCode(again, 'CONFLICT')).toBe(true);
      await writer.end();
      await expect(writer.write('late')).rejects.toBeInstanceOf(TokenStreamClosedError);
      await expect(writer.end()).rejects.toBeInstanceOf(TokenStreamClosedError);
      await expect(writer.fail(new Error('late'))).rejects.toBeInstanceOf(TokenStreamClosedError);
      await expect(tokens.open('once')).rejects.toBeInstanceOf(TokenStreamAlreadyExistsError);
    });

    it('drops a stream ttlMs after its last write', async () => {
      const tokens = await fresh();
      const writer = await tokens.open('short-lived', { ttlMs: 1_000 });
      await writer.end('bye');
      expect((await tokens.status('short-lived'))?.state).toBe('ended');
      await sleep(1_300);
      expect(await tokens.status('short-lived')).toBeUndefined();
      expect((await readTokenStreamToEnd(tokens, 'short-lived')).error).toBeInstanceOf(
        TokenStreamNotFoundError,
      );
      // The id is free again.
      const reopened = await tokens.open('short-lived');
      await reopened.end();
    });

    it('trims to maxLength: a reader that needs trimmed chunks gets TokenStreamTrimmedError, recent ids still resume', async () => {
      const tokens = await fresh();
      // Redis trims whole stream nodes (MAXLEN ~), so write well past the limit.
      const writer = await tokens.open('trimmed', { maxLength: 10, maxBatchChunks: 1, coalesceMs: 0 });
      for (let index = 0; index < 400; index++) void writer.write(`${index};`);
      await writer.end('end');
      const fromStart = await readTokenStreamToEnd(tokens, 'trimmed', { limit: 1 });
      expect(fromStart.entries).toEqual([]);
      expect(fromStart.error).toBeInstanceOf(TokenStreamTrimmedError);
      expect(fromStart.error).toMatchObject({ code: 'STREAM_TRIMMED', neededChunk: 0 });
      expect((fromStart.error as TokenStreamTrimmedError).firstStoredChunk).toBeGreaterThan(0);
      // A reader whose next chunk is still stored resumes fine, from the oldest one or a recent one.
      const first = (fromStart.error as TokenStreamTrimmedError).firstStoredChunk;
      const stored = await readTokenStreamToEnd(tokens, 'trimmed', { after: `0-0:${first - 1}` });
      expect(stored.error).toBeUndefined();
      expect(chunksOf(stored.entries)).toEqual([
        ...Array.from({ length: 400 - first }, (_, index) => `${first + index};`),
        'end',
      ]);
      const recent = await readTokenStreamToEnd(tokens, 'trimmed', { after: stored.entries.at(-3)!.id });
      expect(chunksOf(recent.entries)).toEqual(['399;', 'end']);
    });

    it('stops a waiting reader when its signal aborts, without an error', async () => {
      const tokens = await fresh();
      const writer = await tokens.open('aborted');
      await writer.write('only');
      const controller = new AbortController();
      const seen: string[] = [];
      const reading = (async () => {
        for await (const entry of tokens.read('aborted', { signal: controller.signal }))
          seen.push(entry.chunk);
      })();
      await sleep(80);
      controller.abort();
      await reading;
      expect(seen).toEqual(['only']);
      await writer.end();
    });

    it('serves many concurrent readers the same chunks', async () => {
      const tokens = await fresh();
      const writer = await tokens.open('fan-out', { coalesceMs: 1 });
      const readers = Array.from({ length: 8 }, () => readTokenStreamToEnd(tokens, 'fan-out'));
      const written = Array.from({ length: 200 }, (_, index) => `${index} `);
      for (const chunk of written) await writer.write(chunk);
      await writer.end();
      for (const { entries, error } of await Promise.all(readers)) {
        expect(error).toBeUndefined();
        expect(chunksOf(entries)).toEqual(written);
      }
    });

    it('rejects bad input with InvalidInputError and writes nothing', async () => {
      const tokens = await fresh();
      await expect(tokens.open('')).rejects.toBeInstanceOf(InvalidInputError);
      await expect(tokens.open('bad\nid')).rejects.toBeInstanceOf(InvalidInputError);
      await expect(tokens.open('bad-options', { ttlMs: -1 })).rejects.toBeInstanceOf(InvalidInputError);
      await expect(
        tokens.open('bad-options', { heartbeatIntervalMs: 500, heartbeatTimeoutMs: 400 }),
      ).rejects.toBeInstanceOf(InvalidInputError);
      await expect(tokens.open('bad-options', { unknown: 1 } as never)).rejects.toBeInstanceOf(
        InvalidInputError,
      );
      expect(await tokens.status('bad-options')).toBeUndefined();
      expect(thrown(() => tokens.read(''))).toBeInstanceOf(InvalidInputError);
      expect(thrown(() => tokens.read('s', { after: 'not-an-id' }))).toBeInstanceOf(InvalidInputError);
      expect(thrown(() => tokens.read('s', { after: '1-0' }))).toBeInstanceOf(InvalidInputError);
      await expect(tokens.cancel('')).rejects.toBeInstanceOf(InvalidInputError);
      await expect(tokens.cancel('s', 'x'.repeat(5_000))).rejects.toBeInstanceOf(InvalidInputError);
      await expect(tokens.status('x'.repeat(300))).rejects.toBeInstanceOf(InvalidInputError);
      const writer = await tokens.open('typed');
      await expect(writer.write(42 as unknown as string)).rejects.toBeInstanceOf(InvalidInputError);
      await expect(writer.end(null as unknown as string)).rejects.toBeInstanceOf(InvalidInputError);
      await writer.end();
      expect((await tokens.status('typed'))?.chunks).toBe(0);
    });

    it('rejects bad constructor options with InvalidOptionsError', async () => {
      await fresh();
      await expect(async () => context!.create({ blockMs: 0 })).rejects.toBeInstanceOf(InvalidOptionsError);
      await expect(async () => context!.create({ coalesceMs: -1 })).rejects.toBeInstanceOf(
        InvalidOptionsError,
      );
      await expect(async () =>
        context!.create({ heartbeatIntervalMs: 2_000, heartbeatTimeoutMs: 1_000 }),
      ).rejects.toBeInstanceOf(InvalidOptionsError);
    });

    describeTokenStreamSse(() => fresh());
  });
}
