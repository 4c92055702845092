import { writeFileSync } from 'node:fs';
import { cpus, totalmem, type as osType, release } from 'node:os';
import type { Measurement } from './stats.js';

/** One benchmark's rows as a markdown table: ops/s, p50, p99, and each row's ratio to the floor. */
export function markdownTable(title: string, floor: Measurement, rows: readonly Measurement[]): string {
  const lines = [
    `### ${title}`,
    '',
    '| case | ops/s | p50 ms | p99 ms | × floor |',
    '| --- | ---: | ---: | ---: | ---: |',
  ];
  for (const row of [floor, ...rows])
    lines.push(
      `| ${row.name} | ${row.opsPerSecond.toFixed(0)} | ${row.p50Ms.toFixed(3)} | ${row.p99Ms.toFixed(3)} | ${(row.opsPerSecond / floor.opsPerSecond).toFixed(2)} |`,
    );
  return lines.join('\n');
}

/** Writes the per-benchmark page (docs/benchmarks-by-primitive.md): how to run, the machine and versions, then every table of the run. */
export function writeBenchmarksPage(
  path: string,
  run: { serverVersion: string; concurrency: number; operations: number; command: string },
  sections: readonly string[],
): void {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const page = [
    '# Benchmarks',
    '',
    'Every benchmark of `bench/` runs the Tristack primitive and, where one exists, the library people use',
    'for the same job (the "anchors": rate-limiter-flexible, opossum, cockatiel, BullMQ, LangChain’s Redis',
    'caches and checkpointers…) on the same server in the same run. Figures are ratios to one raw',
    'node-redis round trip (`PING`, the "floor"), so they compare across machines; absolute ops/s do not.',
    '',
    '```sh',
    'pnpm bench                 # every benchmark, printed',
    "pnpm bench --write-docs    # the same, and rewrites this page (docs/benchmarks.md is --compare's)",
    'pnpm bench rate-limiter    # one benchmark; --operations N --concurrency N',
    '```',
    '',
    '## This run',
    '',
    `- command: \`${run.command}\` (concurrency ${run.concurrency}, ${run.operations} operations per case)`,
    `- machine: ${cpu}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${osType()} ${release()}`,
    `- Node ${process.version}; server: ${run.serverVersion}`,
    `- date: ${new Date().toISOString().slice(0, 10)}`,
    '',
    '## Results',
    '',
    sections.join('\n\n'),
    '',
  ].join('\n');
  writeFileSync(path, page);
}
