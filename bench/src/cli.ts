/**
 * pnpm bench [name…] [--smoke] [--concurrency N] [--operations N]
 * Runs each benchmark: warm-up, measured runs at the given concurrency, then ops/s, p50, p99 and the
 * ratio to a raw node-redis round trip measured in the same run. `--smoke` only checks each still runs.
 */
import { parseArgs } from 'node:util';
import { benchmarks } from './benchmarks/index.js';
import { createContext } from './context.js';
import { printTable } from './report.js';
import { measure, type RunOptions } from './runner.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    smoke: { type: 'boolean', default: false },
    concurrency: { type: 'string', default: '16' },
    operations: { type: 'string', default: '20000' },
  },
});
const options: RunOptions = values.smoke
  ? { warmup: 10, operations: 50, concurrency: 4 }
  : { warmup: 2000, operations: Number(values.operations), concurrency: Number(values.concurrency) };
const selected = positionals.length
  ? benchmarks.filter((bench) => positionals.includes(bench.name))
  : benchmarks;
if (selected.length === 0) {
  console.error(
    `unknown benchmark: ${positionals.join(', ')}; known: ${benchmarks.map((bench) => bench.name).join(', ')}`,
  );
  process.exit(2);
}
const { context, close } = await createContext(options);
console.log(
  `# Tristack benchmarks — ${context.url}, concurrency ${options.concurrency}, ${options.operations} ops${values.smoke ? ' (smoke)' : ''}`,
);
try {
  for (const bench of selected) {
    const { cases, cleanup } = await bench.setup(context);
    try {
      const floor = await measure(context.floor, options);
      const rows = [];
      for (const benchCase of cases) rows.push(await measure(benchCase, options));
      printTable(`${bench.name}: ${bench.description}`, floor, rows);
    } finally {
      await cleanup?.();
    }
  }
} finally {
  await close();
}
