/**
 * pnpm bench [name…] [--smoke] [--concurrency N] [--operations N]
 * Runs each benchmark: warm-up, measured runs at the given concurrency, then ops/s, p50, p99 and the
 * ratio to a raw node-redis round trip measured in the same run. `--smoke` only checks each still runs.
 *
 * pnpm bench --compare [group…] [--smoke] [--page file]
 * Every row of the hot-path table (issue 20) with its peer, interleaved, medians of three runs;
 * a full run rewrites docs/benchmarks.md (see compare.ts).
 */
import { parseArgs } from 'node:util';
import { benchmarks } from './benchmarks/index.js';
import { assertBuiltPackages } from './built-packages.js';
import { pathToFileURL } from 'node:url';
import { runCompare } from './compare.js';
import { createContext } from './context.js';
import { markdownTable, writeBenchmarksPage } from './docs-page.js';
import { printTable } from './report.js';
import { measure, type RunOptions } from './runner.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    smoke: { type: 'boolean', default: false },
    concurrency: { type: 'string', default: '16' },
    operations: { type: 'string', default: '20000' },
    'write-docs': { type: 'boolean', default: false },
    compare: { type: 'boolean', default: false },
    page: { type: 'string' },
  },
});
assertBuiltPackages();
if (values.compare) {
  const { context, close } = await createContext({ warmup: 0, operations: 0, concurrency: 1 });
  try {
    await runCompare(context, {
      smoke: values.smoke,
      only: positionals,
      command: `pnpm bench ${process.argv.slice(2).join(' ')}`.trim(),
      ...(values.page ? { page: values.page } : {}),
    });
  } finally {
    await close();
  }
  process.exit(0);
}
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
const sections: string[] = [];
try {
  for (const bench of selected) {
    const { cases, cleanup } = await bench.setup(context);
    try {
      const floor = await measure(context.floor, options);
      const rows = [];
      for (const benchCase of cases) rows.push(await measure(benchCase, options));
      printTable(`${bench.name}: ${bench.description}`, floor, rows);
      sections.push(markdownTable(`${bench.name}: ${bench.description}`, floor, rows));
    } finally {
      await cleanup?.();
    }
  }
  if (values['write-docs']) {
    const info = await context.client.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
    const server = /server_name:(\S+)/.exec(info)?.[1] ?? 'redis';
    // docs/benchmarks.md belongs to `--compare`; the per-benchmark tables go where --page says.
    const path = values.page
      ? new URL(values.page, pathToFileURL(`${process.cwd()}/`))
      : new URL('../../docs/benchmarks-by-primitive.md', import.meta.url);
    writeBenchmarksPage(
      path.pathname,
      {
        serverVersion: `${server} ${version}`,
        concurrency: options.concurrency,
        operations: options.operations,
        command: `pnpm bench ${process.argv.slice(2).join(' ')}`.trim(),
      },
      sections,
    );
    console.log(`\nwrote ${path.pathname}`);
  }
} finally {
  await close();
}
