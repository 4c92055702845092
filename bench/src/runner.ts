import { performance } from 'node:perf_hooks';
import { summarize, type Measurement } from './stats.js';

export interface RunOptions {
  /** Operations before measuring (JIT, script cache, connection warm-up). */
  warmup: number;
  /** Measured operations. */
  operations: number;
  /** Operations in flight at once. */
  concurrency: number;
}

/** One row of a benchmark: an operation to time, e.g. "tristack sliding window" or "rate-limiter-flexible". */
export interface Case {
  name: string;
  /** One operation; `index` is unique per call, for distinct keys. */
  run(index: number): Promise<unknown>;
}

/** Runs `operation` `count` times with `concurrency` in flight; returns each latency in ms. */
export async function drive(
  operation: Case['run'],
  count: number,
  concurrency: number,
  offset: number,
): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = offset + next++;
      const start = performance.now();
      await operation(index);
      latencies.push(performance.now() - start);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return latencies;
}

export async function measure(benchCase: Case, options: RunOptions): Promise<Measurement> {
  await drive(benchCase.run, options.warmup, options.concurrency, 0);
  const start = performance.now();
  const latencies = await drive(benchCase.run, options.operations, options.concurrency, options.warmup);
  return summarize(benchCase.name, latencies, (performance.now() - start) / 1000);
}
