import { performance } from 'node:perf_hooks';
import type { RateLimitRuleInput } from '@tristack/core';
import { RedisRateLimiter } from '@tristack/redis';
import { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import type { Benchmark } from '../benchmark.js';
import type { Case } from '../runner.js';
import { summarize, type Measurement } from '../stats.js';
import { ServerTime } from './rate-limiter-server-time.js';

/** Limits no case reaches: every library admits every call, so all rows measure the same work. */
const UNREACHABLE = 1_000_000_000;
const DISTINCT_KEYS = 10_000;
/** The floor: the cheapest script call a client can make (one key, one argument, `return 1`). */
const TRIVIAL_SCRIPT = 'return 1';

interface Row {
  benchCase: Case;
  result(): Measurement;
}

/**
 * Wraps a case so it records its own latencies after the runner's warm-up (the runner prints ratios
 * to PING only), and the server time its measured calls cost (INFO commandstats deltas).
 */
function recorded(
  name: string,
  warmup: number,
  serverTime: ServerTime,
  run: (index: number) => Promise<unknown>,
): Row {
  const latencies: number[] = [];
  let calls = 0;
  let first = 0;
  let last = 0;
  const benchCase: Case = {
    name,
    async run(index) {
      const call = calls++;
      // The runner runs cases one after another, warm-up first: mark where each phase starts.
      if (call === 0) await serverTime.mark(undefined);
      if (call === warmup) await serverTime.mark(name);
      const measured = call >= warmup;
      const start = performance.now();
      await run(index);
      if (!measured) return;
      const end = performance.now();
      if (first === 0) first = start;
      last = end;
      latencies.push(end - start);
    },
  };
  return { benchCase, result: () => summarize(name, latencies, (last - first) / 1000) };
}

function ratioLine(label: string, value: number, aim: string): string {
  const verdict = aim.startsWith('>=') ? value >= Number(aim.slice(2)) : value <= Number(aim.slice(2));
  return `${value.toFixed(2).padStart(6)}x  ${label}  (aim ${aim}${verdict ? '' : ', MISSED'})`;
}

/**
 * The rules both rate-limiter comparisons run, at limits no case reaches (so every library admits
 * every call and both sides do the same work): one sliding-window RPM rule, the three-rule LLM set
 * (RPM + TPM + USD) and the cost of one LLM call charged against it.
 */
export function unreachableLimits(): {
  sliding: RateLimitRuleInput;
  llmRules: RateLimitRuleInput[];
  llmCost: { cost: { tokens: number; usd: number } };
} {
  const sliding: RateLimitRuleInput = {
    name: 'rpm',
    algorithm: 'sliding-window',
    limit: UNREACHABLE,
    windowMs: 60_000,
  };
  const llmRules: RateLimitRuleInput[] = [
    sliding,
    { name: 'tpm', unit: 'tokens', algorithm: 'token-bucket', limit: UNREACHABLE, windowMs: 60_000 },
    { name: 'budget', unit: 'usd', algorithm: 'fixed-window', limit: UNREACHABLE, windowMs: 86_400_000 },
  ];
  return { sliding, llmRules, llmCost: { cost: { tokens: 1200, usd: 0.02 } } };
}

/**
 * `limit()` on node-redis and on ioredis, side by side with rate-limiter-flexible's
 * `RateLimiterRedis.consume` on both clients and with the cheapest script call each client can
 * make; one rule (sliding window) and three (RPM + TPM + USD), on a hot key and on 10,000 keys.
 * Run at `--concurrency 1` and `--concurrency 50`. Ratios are of this run; server µs per call are
 * commandstats deltas of EVAL/EVALSHA (which include the commands a script runs).
 */
export const rateLimiter: Benchmark = {
  name: 'rate-limiter',
  description: 'RedisRateLimiter.limit() vs rate-limiter-flexible consume() and a trivial EVALSHA',
  async setup(context) {
    const { client, options, url } = context;
    const warmup = options.warmup;
    const { hostname, port } = new URL(url);
    const io = new Redis({ host: hostname, port: Number(port), lazyConnect: true });
    io.on('error', () => {});
    await io.connect();
    const serverTime = new ServerTime(client);

    const { sliding, llmRules, llmCost } = unreachableLimits();
    const make = (on: typeof client | Redis, name: string, limits: RateLimitRuleInput[]) =>
      new RedisRateLimiter({ client: on, name, limits });
    const flexible = (on: typeof client | Redis, keyPrefix: string) =>
      new RateLimiterRedis({
        storeClient: on,
        useRedisPackage: on === client,
        keyPrefix,
        points: UNREACHABLE,
        duration: 60,
      });
    const slidingNode = make(client, 'bench-node', [sliding]);
    const slidingIo = make(io, 'bench-io', [sliding]);
    const llmNode = make(client, 'bench-llm-node', llmRules);
    const llmIo = make(io, 'bench-llm-io', llmRules);
    const bucketNode = make(client, 'bench-bucket', [{ ...sliding, algorithm: 'token-bucket' }]);
    const fixedNode = make(client, 'bench-fixed', [{ ...sliding, algorithm: 'fixed-window' }]);
    const flexibleNode = flexible(client, 'bench-rlf-node');
    const flexibleIo = flexible(io, 'bench-rlf-io');

    const trivialSha = String(await client.sendCommand(['SCRIPT', 'LOAD', TRIVIAL_SCRIPT]));
    const trivialNode = ['EVALSHA', trivialSha, '1', 'bench-floor', '1'];
    const key = (index: number) => `k${index % DISTINCT_KEYS}`;
    const row = (name: string, run: (index: number) => Promise<unknown>) =>
      recorded(name, warmup, serverTime, run);
    const rows = {
      floorNode: row('floor: node-redis EVALSHA return 1', () => client.sendCommand(trivialNode)),
      floorIo: row('floor: ioredis EVALSHA return 1', () => io.evalsha(trivialSha, 1, 'bench-floor', '1')),
      flexibleNodeHot: row('rate-limiter-flexible (node-redis), hot key', () => flexibleNode.consume('hot')),
      flexibleIoHot: row('rate-limiter-flexible (ioredis), hot key', () => flexibleIo.consume('hot')),
      slidingNodeHot: row('tristack (node-redis) sliding window, hot key', () => slidingNode.limit('hot')),
      slidingIoHot: row('tristack (ioredis) sliding window, hot key', () => slidingIo.limit('hot')),
      llmNodeHot: row('tristack (node-redis) RPM+TPM+USD, hot key', () => llmNode.limit('hot', llmCost)),
      llmIoHot: row('tristack (ioredis) RPM+TPM+USD, hot key', () => llmIo.limit('hot', llmCost)),
      bucketNodeHot: row('tristack (node-redis) token bucket, hot key', () => bucketNode.limit('hot')),
      fixedNodeHot: row('tristack (node-redis) fixed window, hot key', () => fixedNode.limit('hot')),
      flexibleIoMany: row('rate-limiter-flexible (ioredis), 10k keys', (index) =>
        flexibleIo.consume(key(index)),
      ),
      slidingIoMany: row('tristack (ioredis) sliding window, 10k keys', (index) =>
        slidingIo.limit(key(index)),
      ),
      slidingNodeMany: row('tristack (node-redis) sliding window, 10k keys', (index) =>
        slidingNode.limit(key(index)),
      ),
      llmIoMany: row('tristack (ioredis) RPM+TPM+USD, 10k keys', (index) => llmIo.limit(key(index), llmCost)),
    };
    return {
      cases: Object.values(rows).map((each) => each.benchCase),
      cleanup: async () => {
        await serverTime.mark(undefined);
        type Name = keyof typeof rows;
        const result = Object.fromEntries(
          Object.entries(rows).map(([name, each]) => [name, each.result()]),
        ) as Record<Name, Measurement>;
        const server = (name: Name) =>
          serverTime.microsecondsPerCall(result[name].name, result[name].operations);
        console.log(
          `\n## rate-limiter: server time and commands per call (concurrency ${options.concurrency})`,
        );
        for (const name of Object.keys(rows) as Name[]) {
          const { microseconds, commands } = server(name);
          console.log(
            `${microseconds.toFixed(1).padStart(6)} µs  ${commands.toFixed(2).padStart(5)} cmds  ${result[name].name}`,
          );
        }
        console.log(`\n## rate-limiter ratios (concurrency ${options.concurrency}, this run)`);
        const serverRatios: [Name, Name, string][] = [
          ['slidingNodeHot', 'flexibleNodeHot', '<=1.5'],
          ['slidingIoHot', 'flexibleIoHot', '<=1.5'],
          ['llmNodeHot', 'flexibleNodeHot', '<=3'],
          ['llmIoHot', 'flexibleIoHot', '<=3'],
          ['slidingIoMany', 'flexibleIoMany', '<=1.5'],
          ['llmIoMany', 'flexibleIoMany', '<=3'],
        ];
        for (const [ours, peer, aim] of serverRatios)
          console.log(
            ratioLine(
              `server µs/call: ${result[ours].name} / ${result[peer].name}`,
              server(ours).microseconds / server(peer).microseconds,
              aim,
            ),
          );
        const throughputRatios: [Name, Name, string][] = [
          ['slidingNodeHot', 'floorNode', '>=0.9'],
          ['llmNodeHot', 'floorNode', '>=0.9'],
          ['slidingIoHot', 'floorIo', '>=0.9'],
          ['slidingIoHot', 'flexibleIoHot', '>=1.0'],
          ['slidingIoMany', 'flexibleIoMany', '>=1.0'],
          ['llmIoHot', 'flexibleIoHot', '>=1.0'],
          ['llmIoMany', 'flexibleIoMany', '>=1.0'],
          ['slidingNodeHot', 'flexibleNodeHot', '>=1.0'],
        ];
        for (const [ours, peer, aim] of throughputRatios)
          console.log(
            ratioLine(
              `ops/s: ${result[ours].name} / ${result[peer].name}`,
              result[ours].opsPerSecond / result[peer].opsPerSecond,
              aim,
            ),
          );
        await client.flushDb();
        io.disconnect();
      },
    };
  },
};
