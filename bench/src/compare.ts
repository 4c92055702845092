import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type as osType } from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  auditGroup,
  limiterGroup,
  memoryGroup,
  queueGroup,
  semanticGroup,
  tokenStreamGroup,
} from './compare-groups.js';
import { middlewareGroup } from './compare-middleware.js';
import {
  COMPARE_RUNS,
  measurePair,
  resultLine,
  type CompareEnv,
  type CompareGroup,
  type PairRun,
  type ResultLine,
} from './compare-runner.js';
import type { BenchContext } from './context.js';

/** Every row of the issue's table, in its order. */
export const compareGroups: readonly CompareGroup[] = [
  limiterGroup,
  memoryGroup,
  queueGroup,
  auditGroup,
  tokenStreamGroup,
  semanticGroup,
  middlewareGroup,
];

const PEERS = [
  'redis',
  'ioredis',
  'rate-limiter-flexible',
  'bullmq',
  '@langchain/redis',
  'langchain',
  '@langchain/core',
];

function packageVersion(name: string): string {
  try {
    const file = new URL(`../node_modules/${name}/package.json`, import.meta.url);
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

const cell = (text: string) => text.replaceAll('|', '\\|');

/**
 * `pnpm bench --compare [group…] [--smoke] [--page file]`: every row of the issue's table with its peer, in one
 * process, interleaved, `COMPARE_RUNS` runs; prints progress and each row, and (a full run of every
 * group) rewrites docs/benchmarks.md (`--page` writes that file instead, even for a smoke or partial run).
 */
export async function runCompare(
  context: BenchContext,
  options: { smoke: boolean; only: readonly string[]; command: string; page?: string },
): Promise<void> {
  const started = performance.now();
  const loadBefore = loadavg();
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;
  const log = (line: string) => console.log(`[${elapsed().padStart(5)}] ${line}`);
  const serverInfo = await context.client.info('server');
  const servers = new Set([`redis ${/redis_version:(\S+)/.exec(serverInfo)?.[1] ?? '?'}`]);
  const env: CompareEnv = {
    context,
    smoke: options.smoke,
    count: (full) => (options.smoke ? Math.max(2, Math.min(full, Math.ceil(full / 200))) : full),
    servers,
    log,
  };
  const groups = options.only.length
    ? compareGroups.filter((group) => options.only.some((name) => group.name.includes(name)))
    : compareGroups;
  if (groups.length === 0)
    throw new Error(
      `unknown compare group: ${options.only.join(', ')}; known: ${compareGroups.map((group) => group.name).join(', ')}`,
    );
  const lines: ResultLine[] = [];
  const markdown: string[] = [];
  for (const group of groups) {
    log(`## ${group.name}`);
    const setup = await group.setup(env);
    try {
      const runs = new Map<string, PairRun[]>();
      for (const pair of setup.pairs) {
        log(
          `${pair.id}: ${pair.ours.name} vs ${pair.peer.name}, ${pair.concurrency} in flight, ${pair.operations} ops × ${COMPARE_RUNS} runs`,
        );
        runs.set(pair.id, await measurePair(pair, log));
      }
      for (const row of setup.rows) {
        const pair = setup.pairs.find((each) => each.id === row.pair)!;
        lines.push(resultLine(row, pair, runs.get(row.pair)!));
        printLine(lines.at(-1)!);
      }
      const extra = await setup.after?.();
      for (const line of extra?.lines ?? []) {
        lines.push(line);
        printLine(line);
      }
      for (const section of extra?.markdown ?? []) {
        markdown.push(section);
        console.log(`\n${section}\n`);
      }
    } finally {
      await setup.cleanup();
    }
  }
  const seconds = (performance.now() - started) / 1000;
  log(`done in ${(seconds / 60).toFixed(1)} min`);
  const met = lines.filter((line) => line.verdict === 'met').length;
  const judged = lines.filter((line) => line.verdict !== '—').length;
  log(`goals met: ${met} of ${judged}`);
  if (!options.page && (options.smoke || options.only.length)) {
    console.log('(smoke or partial run: docs/benchmarks.md not rewritten; --page <file> writes one)');
    return;
  }
  const path = options.page ?? new URL('../../docs/benchmarks.md', import.meta.url).pathname;
  await writePage(path, {
    command: options.command,
    minutes: seconds / 60,
    loads: [loadBefore[0]!, loadavg()[0]!],
    servers: [...servers],
    lines,
    markdown,
  });
  console.log(`wrote ${path}`);
}

function printLine(line: ResultLine): void {
  console.log(
    `${line.verdict === 'not met' ? '✗' : line.verdict === 'met' ? '✓' : ' '} ${line.title}\n` +
      `    ${line.value} (runs ${line.runs}); goal ${line.goal}\n    ${line.ours}\n    ${line.peer}`,
  );
}

async function writePage(
  path: string,
  run: {
    command: string;
    minutes: number;
    loads: number[];
    servers: string[];
    lines: ResultLine[];
    markdown: string[];
  },
): Promise<void> {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const met = run.lines.filter((line) => line.verdict === 'met').length;
  const judged = run.lines.filter((line) => line.verdict !== '—').length;
  const page = [
    '# Benchmarks',
    '',
    '`pnpm bench --compare` runs every hot path of Tristack side by side with the library people would',
    'pick instead (or the raw Redis command underneath), in one process against one server, the two',
    `interleaved (Tristack, peer, Tristack, peer…), ${COMPARE_RUNS} runs. Each figure is the median of the runs; each`,
    'ratio is computed inside a run, then the median of those ratios is taken. Server commands per',
    'operation come from `INFO commandstats` deltas on the benchmark’s own server (a script’s inner',
    'commands count too). Absolute figures move with the machine and its load; the ratios are what to read.',
    'Tristack is measured as users install it, from its built packages (`pnpm build` first; the bench refuses',
    'a stale build), as the peers are from theirs. Where a goal is not met,',
    '[performance-profiles.md](performance-profiles.md) shows where the time goes.',
    '',
    '```sh',
    'pnpm bench --compare           # every row below; rewrites this page',
    'pnpm bench --compare limiter   # only the groups whose name contains "limiter" (page untouched)',
    'pnpm bench --compare --smoke   # tiny counts: checks every row still runs (page untouched)',
    'pnpm bench rate-limiter        # one benchmark module, printed; --operations N --concurrency N',
    'pnpm bench --smoke             # every module with tiny counts (CI)',
    '```',
    '',
    '## This run',
    '',
    `- command: \`${run.command}\`, ${run.minutes.toFixed(1)} min`,
    `- machine: ${cpu}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${osType()} ${release()}; load average ${run.loads.map((load) => load.toFixed(1)).join(' → ')}`,
    `- Node ${process.version}; servers: ${run.servers.join(', ')} on loopback, started by the benchmark`,
    `- clients and peers: ${PEERS.map((name) => `${name} ${packageVersion(name)}`).join(', ')}`,
    `- date: ${new Date().toISOString().slice(0, 10)}`,
    `- goals met: ${met} of ${judged}`,
    '',
    '## Results',
    '',
    '| row | Tristack | peer, same run | ratio (median) | the three runs | goal | |',
    '| --- | --- | --- | ---: | --- | --- | --- |',
    ...run.lines.map(
      (line) =>
        `| ${cell(line.title)} | ${cell(line.ours)} | ${cell(line.peer)} | ${cell(line.value)} | ${cell(line.runs)} | ${cell(line.goal)} | ${line.verdict} |`,
    ),
    '',
    ...run.markdown.flatMap((section) => [section, '']),
  ].join('\n');
  writeFileSync(path, await formatted(page, path));
}

/** The page as prettier formats it (the repository's lint checks docs), or as is without prettier. */
async function formatted(page: string, path: string): Promise<string> {
  try {
    const prettier = await import('prettier');
    const config = (await prettier.resolveConfig(path)) ?? {};
    return await prettier.format(page, { ...config, filepath: path });
  } catch {
    return page;
  }
}
