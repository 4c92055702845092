import { performance } from 'node:perf_hooks';
import type { Case } from './runner.js';

/**
 * Wraps a case to count its measured calls (indexes from `warmup` on) and their wall time, so a
 * benchmark can print ratios between its own rows measured in the same run.
 */
export function countedCase(name: string, warmup: number, run: (index: number) => Promise<unknown>) {
  let count = 0;
  let first = 0;
  let last = 0;
  const benchCase: Case = {
    name,
    run: async (index) => {
      if (index < warmup) return run(index);
      if (count === 0) first = performance.now();
      await run(index);
      count += 1;
      last = performance.now();
    },
  };
  return { benchCase, run, opsPerSecond: () => count / ((last - first) / 1000) };
}
