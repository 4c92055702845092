import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TokenStreamOpenOptions } from '@tristack/core';
import { RedisTokenStream } from '@tristack/redis';
import { recordingConnection } from '@tristack/testing/redis';
import type { RedisClientType } from 'redis';
import type { Benchmark } from '../benchmark.js';
import type { BenchContext } from '../context.js';
import type { Case } from '../runner.js';
import { percentile } from '../stats.js';

/** A 16-byte token carrying its index, so the reader knows which write it completes. */
const token = (index: number) => String(index).padStart(16, '0');

/** One way to move tokens from a writer to a reader over Redis. */
export interface Transport {
  name: string;
  /** Starts the reader; `onToken` gets each token's index as it arrives. */
  start(onToken: (index: number) => void): Promise<void>;
  /** Sends one token; resolves when the transport accepted it (not when it was read). */
  write(index: number): Promise<unknown>;
  /** Stops the reader and releases its connection. */
  stop(): Promise<void>;
  /** Round trips the writer made so far (when known). */
  roundTrips?(): number;
}

export function tokenStreamTransport(
  context: BenchContext,
  name: string,
  options: TokenStreamOpenOptions,
): Transport {
  const connection = recordingConnection(context.client);
  // The writer records its round trips; the reader blocks on its own duplicated connection.
  const writerSide = new RedisTokenStream({ client: connection, prefix: 'bench', maxLength: 1_000_000 });
  const readerSide = new RedisTokenStream({ client: context.client, prefix: 'bench', blockMs: 100 });
  const streamId = `tokens-${randomBytes(4).toString('hex')}`;
  let writer: Awaited<ReturnType<RedisTokenStream['open']>> | undefined;
  let reading: Promise<void> | undefined;
  return {
    name,
    async start(onToken) {
      writer = await writerSide.open(streamId, { ...options, heartbeatIntervalMs: 1_000, ttlMs: 600_000 });
      reading = (async () => {
        for await (const entry of readerSide.read(streamId)) onToken(Number(entry.chunk));
      })();
      connection.clear();
    },
    write: (index) => writer!.write(token(index)),
    async stop() {
      await writer!.end();
      await reading;
    },
    roundTrips: () => connection.commands.length,
  };
}

export function publishTransport(context: BenchContext): Transport {
  const channel = `bench:channel:${randomBytes(4).toString('hex')}`;
  let subscriber: RedisClientType | undefined;
  return {
    name: 'raw PUBLISH/SUBSCRIBE',
    async start(onToken) {
      subscriber = await context.newClient();
      await subscriber.subscribe(channel, (message) => onToken(Number(message)));
    },
    write: (index) => context.client.publish(channel, token(index)),
    async stop() {
      await subscriber!.unsubscribe(channel);
    },
  };
}

export function xreadTransport(context: BenchContext): Transport {
  const key = `bench:stream:${randomBytes(4).toString('hex')}`;
  let stopped = false;
  let reading: Promise<void> | undefined;
  return {
    name: 'raw XADD + XREAD BLOCK',
    async start(onToken) {
      const reader = await context.newClient();
      reading = (async () => {
        let last = '0-0';
        while (!stopped) {
          const reply = await reader.sendCommand([
            'XREAD',
            'COUNT',
            '500',
            'BLOCK',
            '100',
            'STREAMS',
            key,
            last,
          ]);
          // RESP3 (node-redis 6's default) answers a map {key: entries}; RESP2 [[key, entries]].
          const entries = (Array.isArray(reply) ? reply[0]?.[1] : reply ? Object.values(reply)[0] : []) as
            [string, string[]][] | undefined;
          for (const [id, fields] of entries ?? []) {
            last = id;
            onToken(Number(fields[1]));
          }
        }
      })();
    },
    write: (index) => context.client.sendCommand(['XADD', key, '*', 'c', token(index)]),
    async stop() {
      stopped = true;
      await reading;
      await context.client.del(key);
    },
  };
}

function transports(context: BenchContext): Transport[] {
  return [
    tokenStreamTransport(context, 'tristack TokenStream, coalesceMs 5 (default)', { coalesceMs: 5 }),
    tokenStreamTransport(context, 'tristack TokenStream, coalesceMs 0', { coalesceMs: 0 }),
    tokenStreamTransport(context, 'tristack TokenStream, no coalescing (1 chunk/entry)', {
      coalesceMs: 0,
      maxBatchChunks: 1,
    }),
    publishTransport(context),
    xreadTransport(context),
  ];
}

/**
 * Throughput with the writer going as fast as the API lets it (raw transports keep
 * `concurrency` writes in flight; a TokenStream writer is awaited call by call, as a model
 * loop would): tokens/s until the reader has all of them.
 */
async function throughput(context: BenchContext, transport: Transport, count: number) {
  let received = 0;
  let done: () => void = () => {};
  const all = new Promise<void>((resolve) => (done = resolve));
  await transport.start(() => {
    received += 1;
    if (received === count) done();
  });
  const start = performance.now();
  if (transport.name.startsWith('tristack')) {
    for (let index = 0; index < count; index++) await transport.write(index);
  } else {
    let next = 0;
    const lane = async () => {
      while (next < count) await transport.write(next++);
    };
    await Promise.all(Array.from({ length: context.options.concurrency }, lane));
  }
  await all;
  const seconds = (performance.now() - start) / 1000;
  const roundTrips = transport.roundTrips?.();
  await transport.stop();
  return { name: transport.name, tokensPerSecond: count / seconds, roundTrips };
}

/** Tokens per paced run, and the gap between them (a model streaming ~500 tokens/s). */
const PACED_TOKENS = 400;
const PACE_MS = 2;

/** Open loop at a model's pace: one token every PACE_MS; write→read latency of each, p50. */
async function paced(transport: Transport) {
  const sentAt = new Map<number, number>();
  const latencies: number[] = [];
  let done: () => void = () => {};
  const all = new Promise<void>((resolve) => (done = resolve));
  await transport.start((index) => {
    latencies.push(performance.now() - sentAt.get(index)!);
    if (latencies.length === PACED_TOKENS) done();
  });
  for (let index = 0; index < PACED_TOKENS; index++) {
    sentAt.set(index, performance.now());
    await transport.write(index);
    await sleep(PACE_MS);
  }
  await all;
  await transport.stop();
  return {
    name: transport.name,
    p50: percentile(
      latencies.sort((a, b) => a - b),
      50,
    ),
  };
}

/** Closed loop: each op writes one token and resolves when the reader received it. */
function latencyCase(transport: Transport, warmup: number) {
  const waiting = new Map<number, () => void>();
  const latencies: number[] = [];
  const wrapped: Case = {
    name: `${transport.name}: write→read`,
    run: async (index) => {
      const arrived = new Promise<void>((resolve) => waiting.set(index, resolve));
      const start = performance.now();
      await transport.write(index);
      await arrived;
      if (index >= warmup) latencies.push(performance.now() - start);
    },
  };
  return {
    wrapped,
    start: () =>
      transport.start((index) => {
        waiting.get(index)?.();
        waiting.delete(index);
      }),
    p50: () =>
      percentile(
        [...latencies].sort((a, b) => a - b),
        50,
      ),
    stop: () => transport.stop(),
  };
}

const ratio = (value: number, base: number) => `${(value / base).toFixed(2)}x`;

/**
 * 16-byte tokens from a writer to a live reader: Tristack's TokenStream (with and without
 * coalescing) against raw PUBLISH/SUBSCRIBE (fire-and-forget, no replay) and raw XADD/XREAD BLOCK
 * (no trim, no TTL, no heartbeat, no terminal marker). First an open-loop throughput table, then
 * the runner's closed-loop write→read latency per token.
 */
export const tokenStreamBenchmark: Benchmark = {
  name: 'token-stream',
  description: 'write→read of 16-byte tokens, TokenStream vs raw PUBLISH/SUBSCRIBE and raw XADD/XREAD BLOCK',
  async setup(context) {
    await context.client.flushDb();
    const count = context.options.operations;
    // A warm-up round on other streams first: script cache, JIT and connections, for every row.
    for (const transport of transports(context)) await throughput(context, transport, context.options.warmup);
    const results = [];
    for (const transport of transports(context)) results.push(await throughput(context, transport, count));
    const xread = results.find((result) => result.name.startsWith('raw XADD'))!.tokensPerSecond;
    const publish = results.find((result) => result.name.startsWith('raw PUBLISH'))!.tokensPerSecond;
    console.log(
      `\n## token-stream throughput: ${count} tokens of 16 bytes, writer flat out, until all are read`,
    );
    for (const result of results)
      console.log(
        `${result.name.padEnd(52)} ${result.tokensPerSecond.toFixed(0).padStart(9)} tokens/s  ` +
          `${ratio(result.tokensPerSecond, xread).padStart(7)} raw XADD/XREAD  ${ratio(result.tokensPerSecond, publish).padStart(7)} raw PUBLISH` +
          (result.roundTrips === undefined
            ? ''
            : `  ${(result.roundTrips / count).toFixed(3)} round trips/token`),
      );
    await context.client.flushDb();

    const pacedResults = [];
    for (const transport of transports(context)) pacedResults.push(await paced(transport));
    const pacedXread = pacedResults.find((result) => result.name.startsWith('raw XADD'))!.p50;
    console.log(`\n## token-stream paced: one 16-byte token every ${PACE_MS} ms, write→read p50`);
    for (const result of pacedResults)
      console.log(
        `${result.name.padEnd(52)} ${result.p50.toFixed(3).padStart(7)} ms  ` +
          `${(result.p50 - pacedXread >= 0 ? '+' : '') + (result.p50 - pacedXread).toFixed(3)} ms vs raw XADD→XREAD`,
      );
    await context.client.flushDb();

    const cases = transports(context).map((transport) => latencyCase(transport, context.options.warmup));
    for (const latency of cases) await latency.start();
    return {
      cases: cases.map((latency) => latency.wrapped),
      cleanup: async () => {
        for (const latency of cases) await latency.stop();
        const xreadP50 = cases.find((latency) => latency.wrapped.name.startsWith('raw XADD'))!.p50();
        const publishP50 = cases.find((latency) => latency.wrapped.name.startsWith('raw PUBLISH'))!.p50();
        console.log('write→read p50 latency relative to the raw transports (lower is better):');
        for (const latency of cases)
          console.log(
            `${latency.wrapped.name.padEnd(64)} ${ratio(latency.p50(), xreadP50).padStart(7)} raw XADD/XREAD  ` +
              `${ratio(latency.p50(), publishP50).padStart(7)} raw PUBLISH`,
          );
        await context.client.flushDb();
      },
    };
  },
};
