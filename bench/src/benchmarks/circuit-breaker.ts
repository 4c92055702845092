import { performance } from 'node:perf_hooks';
import { InMemoryCircuitBreaker } from '@tristack/core';
import { RedisCircuitBreaker } from '@tristack/redis';
import { recordingConnection } from '@tristack/testing/redis';
import { circuitBreaker, handleAll, SamplingBreaker } from 'cockatiel';
import Opossum from 'opossum';
import type { Benchmark } from '../benchmark.js';
import type { Case } from '../runner.js';

const noop = async () => 1;
const POLICY = { failureRateThreshold: 0.5, windowMs: 10_000, minimumCalls: 10, openMs: 30_000 } as const;

/** Times a case's measured calls itself (indexes from `warmup` on), for the peer ratios. */
function timed(name: string, warmup: number, run: (index: number) => Promise<unknown>) {
  const timing = { name, count: 0, first: 0, last: 0 };
  const wrapped: Case = {
    name,
    run: async (index) => {
      if (index < warmup) return run(index);
      if (timing.count === 0) timing.first = performance.now();
      await run(index);
      timing.count += 1;
      timing.last = performance.now();
    },
  };
  return { wrapped, opsPerSecond: () => timing.count / ((timing.last - timing.first) / 1000 || Number.NaN) };
}

/**
 * The closed path of a protected no-op call: Tristack's fleet-shared breaker (in memory and on
 * Redis) against opossum@9 and cockatiel@3 (per-process only) wrapping the same function; then
 * the cost of one recorded outcome written to Redis. Prints round trips per call and peer ratios.
 */
export const circuitBreakerBenchmark: Benchmark = {
  name: 'circuit-breaker',
  description:
    'protected no-op call on the closed path, and one recorded outcome on Redis, vs opossum@9 and cockatiel@3',
  async setup(context) {
    const warmup = context.options.warmup;
    await context.client.flushDb();
    const opossum = new Opossum(noop, {
      // Neither the others nor Tristack time calls out; opossum would arm a timer per call.
      timeout: false,
      errorThresholdPercentage: 50,
      rollingCountTimeout: 10_000,
      volumeThreshold: 10,
      resetTimeout: 30_000,
    });
    const cockatiel = circuitBreaker(handleAll, {
      halfOpenAfter: 30_000,
      breaker: new SamplingBreaker({ threshold: 0.5, duration: 10_000 }),
    });
    const memory = new InMemoryCircuitBreaker(POLICY);
    const closedPath = recordingConnection(context.client);
    const shared = new RedisCircuitBreaker({
      ...POLICY,
      client: closedPath,
      subscriber: context.client,
      prefix: 'bench',
    });
    const outcomes = recordingConnection(context.client);
    // Never trips, so every op writes a failure: the cost of one outcome reaching Redis.
    const recorder = new RedisCircuitBreaker({
      failureRateThreshold: null,
      consecutiveFailures: null,
      client: outcomes,
      prefix: 'bench',
    });
    await shared.subscribed();

    const rows = [
      timed('opossum@9 fire(no-op)', warmup, () => opossum.fire()),
      timed('cockatiel@3 execute(no-op)', warmup, () => cockatiel.execute(noop)),
      timed('tristack InMemoryCircuitBreaker.execute(no-op)', warmup, () => memory.execute('svc', noop)),
      timed('tristack RedisCircuitBreaker.execute(no-op)', warmup, () => shared.execute('svc', noop)),
      timed('tristack RedisCircuitBreaker record(failure), awaited', warmup, async () => {
        const admission = await recorder.acquire('outcomes');
        if (admission.admitted) await recorder.record(admission.permit, { status: 'failure' });
      }),
    ];
    return {
      cases: rows.map((row) => row.wrapped),
      cleanup: async () => {
        const calls = warmup + context.options.operations;
        await shared.close();
        await recorder.close();
        await memory.close();
        opossum.shutdown();
        console.log(
          `round trips per protected call (closed path, Redis): ${(closedPath.commands.length / calls).toFixed(4)} ` +
            `(${closedPath.commands.length} script calls for ${calls} calls)`,
        );
        console.log(
          `round trips per recorded failure (Redis, ${context.options.concurrency} in flight): ` +
            `${(outcomes.commands.length / calls).toFixed(4)} (${outcomes.commands.length} script calls for ${calls} outcomes)`,
        );
        const base = rows[0]!.opsPerSecond();
        for (const row of rows) {
          console.log(`ops/s vs opossum: ${(row.opsPerSecond() / base).toFixed(2)}x  ${row.wrapped.name}`);
        }
        await context.client.flushDb();
      },
    };
  },
};
