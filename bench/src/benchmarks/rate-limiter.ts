import { performance } from 'node:perf_hooks';
import type { RateLimitRuleInput } from '@tristack/core';
import { RedisRateLimiter } from '@tristack/redis/rate-limiter';
import { recordingConnection } from '@tristack/testing/redis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import type { Benchmark } from '../benchmark.js';
import type { Case } from '../runner.js';
import { summarize, type Measurement } from '../stats.js';

/** Limits no case reaches: every library admits every call, so all rows measure the same work. */
const UNREACHABLE = 1_000_000_000;
const DISTINCT_KEYS = 10_000;

/**
 * Wraps a case so it records its own latencies after the runner's warm-up: the runner prints
 * ratios to PING only, and this benchmark's point is ratios to its peers and to one EVALSHA.
 */
function recorded(name: string, warmup: number, run: (index: number) => Promise<unknown>) {
  const latencies: number[] = [];
  let calls = 0;
  let first = 0;
  let last = 0;
  const benchCase: Case = {
    name,
    async run(index) {
      const measured = calls++ >= warmup;
      const start = performance.now();
      await run(index);
      if (!measured) return;
      const end = performance.now();
      if (first === 0) first = start;
      last = end;
      latencies.push(end - start);
    },
  };
  return { benchCase, result: (): Measurement => summarize(name, latencies, (last - first) / 1000) };
}

function ratioLine(label: string, value: number, aim: string): string {
  return `${value.toFixed(2).padStart(6)}x  ${label}  (aim ${aim})`;
}

/**
 * `limit()` against rate-limiter-flexible's `RateLimiterRedis.consume` (its node-redis path sends
 * EVAL with the script text each call) and a raw node-redis EVALSHA of the very script `limit()`
 * sends, on a hot key and on 10,000 distinct keys. `redis-benchmark` gives the server's own
 * EVALSHA rate for that script. Run at `--concurrency 1` and `--concurrency 50`.
 */
export const rateLimiter: Benchmark = {
  name: 'rate-limiter',
  description: 'RedisRateLimiter.limit() vs rate-limiter-flexible consume() and one raw EVALSHA',
  async setup(context) {
    const { client, options } = context;
    const warmup = options.warmup;
    const sliding: RateLimitRuleInput = {
      name: 'rpm',
      algorithm: 'sliding-window',
      limit: UNREACHABLE,
      windowMs: 60_000,
    };
    const make = (limits: RateLimitRuleInput[]) => new RedisRateLimiter({ client, name: 'bench', limits });
    const slidingLimiter = make([sliding]);
    const bucketLimiter = make([{ ...sliding, algorithm: 'token-bucket' }]);
    const fixedLimiter = make([{ ...sliding, algorithm: 'fixed-window' }]);
    const llmLimiter = make([
      sliding,
      { name: 'tpm', unit: 'tokens', algorithm: 'token-bucket', limit: UNREACHABLE, windowMs: 60_000 },
      { name: 'budget', unit: 'usd', algorithm: 'fixed-window', limit: UNREACHABLE, windowMs: 86_400_000 },
    ]);
    const flexible = new RateLimiterRedis({
      storeClient: client,
      useRedisPackage: true,
      keyPrefix: 'bench-rlf',
      points: UNREACHABLE,
      duration: 60,
    });

    // The exact EVALSHA `limit()` sends for the hot key, for the raw floor and redis-benchmark.
    const recorder = recordingConnection(client);
    const probe = new RedisRateLimiter({ client: recorder, name: 'bench', limits: [sliding] });
    await probe.limit('hot');
    recorder.clear();
    await probe.limit('hot');
    const evalsha = recorder.commands[0]!;
    const native = context.redisBenchmark(evalsha, 20_000);
    console.log(
      native === undefined
        ? 'redis-benchmark not found: server EVALSHA ceiling not measured'
        : `redis-benchmark EVALSHA of limit()'s script, hot key: ${native.toFixed(0)} req/s (server ceiling, c=${options.concurrency})`,
    );

    const key = (index: number) => `k${index % DISTINCT_KEYS}`;
    const rows = {
      raw: recorded('floor: node-redis EVALSHA, same script, hot key', warmup, () =>
        client.sendCommand(evalsha),
      ),
      flexibleHot: recorded('rate-limiter-flexible consume, hot key', warmup, () => flexible.consume('hot')),
      slidingHot: recorded('tristack sliding window, hot key', warmup, () => slidingLimiter.limit('hot')),
      bucketHot: recorded('tristack token bucket (GCRA), hot key', warmup, () => bucketLimiter.limit('hot')),
      fixedHot: recorded('tristack fixed window, hot key', warmup, () => fixedLimiter.limit('hot')),
      flexibleMany: recorded('rate-limiter-flexible consume, 10k keys', warmup, (index) =>
        flexible.consume(key(index)),
      ),
      slidingMany: recorded('tristack sliding window, 10k keys', warmup, (index) =>
        slidingLimiter.limit(key(index)),
      ),
      llmMany: recorded('tristack RPM+TPM+USD budget (3 rules), 10k keys', warmup, (index) =>
        llmLimiter.limit(key(index), { cost: { tokens: 1200, usd: 0.02 } }),
      ),
    };
    return {
      cases: Object.values(rows).map((row) => row.benchCase),
      cleanup: async () => {
        const result = Object.fromEntries(
          Object.entries(rows).map(([name, row]) => [name, row.result()]),
        ) as Record<keyof typeof rows, Measurement>;
        type Row = keyof typeof rows;
        const throughput: [Row, Row][] = [
          ['slidingHot', 'flexibleHot'],
          ['bucketHot', 'flexibleHot'],
          ['fixedHot', 'flexibleHot'],
          ['slidingMany', 'flexibleMany'],
          ['llmMany', 'flexibleMany'],
        ];
        console.log(`\n## rate-limiter ratios (concurrency ${options.concurrency})`);
        for (const [ours, peer] of throughput)
          console.log(
            ratioLine(
              `ops/s: ${result[ours].name} / ${result[peer].name}`,
              result[ours].opsPerSecond / result[peer].opsPerSecond,
              '>= 1.20',
            ),
          );
        for (const ours of ['slidingHot', 'bucketHot', 'fixedHot'] as const)
          console.log(
            ratioLine(
              `p50: ${result[ours].name} / raw EVALSHA`,
              result[ours].p50Ms / result.raw.p50Ms,
              '<= 1.30',
            ),
          );
        if (native !== undefined)
          console.log(
            ratioLine(
              `ops/s: ${result.slidingHot.name} / redis-benchmark EVALSHA`,
              result.slidingHot.opsPerSecond / native,
              'the server ceiling',
            ),
          );
        await client.flushDb();
      },
    };
  },
};
