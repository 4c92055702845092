import { performance } from 'node:perf_hooks';
import type { BenchContext } from './context.js';
import { drive } from './runner.js';
import { percentile } from './stats.js';

/** Runs per pair: every figure is the median of this many, each ratio computed inside its run. */
export const COMPARE_RUNS = 3;
/** Each run alternates the two sides this many times (A, B, A, B…), each slice a share of the operations. */
const SLICES = 2;

/** What one slice of a side did: latencies (ms; empty for a throughput-only slice) and wall time. */
export interface SliceResult {
  operations: number;
  seconds: number;
  latencies: number[];
}

/** One side of a pair: Tristack's or the peer's operation. */
export interface Side {
  name: string;
  /** One closed-loop operation; `index` is unique per call (distinct keys, job payloads). */
  run?(index: number): Promise<unknown>;
  /** A whole slice when a closed loop does not fit (a paced or a flat-out token stream). */
  slice?(operations: number, offset: number): Promise<SliceResult>;
}

/** A server whose `INFO commandstats` counts the commands of a slice (nothing else may use it meanwhile). */
export interface StatsSource {
  info(section: string): Promise<string>;
}

/** Tristack and its peer, measured in the same process, interleaved, `COMPARE_RUNS` times. */
export interface Pair {
  id: string;
  ours: Side;
  peer: Side;
  /** Operations in flight (closed-loop sides). */
  concurrency: number;
  /** Operations per side per run. */
  operations: number;
  /** Operations per side before the first run (JIT, scripts, connections). */
  warmup: number;
  server: StatsSource;
}

/** One side's figures in one run. */
export interface SideStats {
  opsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Server commands per operation, from INFO commandstats deltas (a script's inner commands count too). */
  commandsPerOp: number;
  /** Server µs per operation: the scripts' time when the side ran scripts, else every command's. */
  serverMicrosecondsPerOp: number;
}

export interface PairRun {
  ours: SideStats;
  peer: SideStats;
}

/**
 * How a row reads its pair: `throughput` ours/peer ops/s (higher is better), `p50` and
 * `server-time` ours/peer (lower is better), `p50-added` ours − peer p50 in ms, `commands` ours
 * per operation (the peer's shown beside it).
 */
export type Metric = 'throughput' | 'p50' | 'server-time' | 'p50-added' | 'commands';

/** The issue's goal for a row, and the test of a value (the median of the runs' values) against it. */
export interface Goal {
  text: string;
  met(value: number): boolean;
}

export const atLeast = (bound: number, unit = '×'): Goal => ({
  text: `≥ ${bound}${unit}`,
  met: (value) => value >= bound,
});
export const atMost = (bound: number, unit = '×'): Goal => ({
  text: `≤ ${bound}${unit}`,
  met: (value) => value <= bound,
});

/** One line of the result table, read from a pair's runs. */
export interface Row {
  title: string;
  pair: string;
  metric: Metric;
  goal?: Goal;
  /** Why there is no goal, or what the goal means here. */
  note?: string;
}

/** One line of the result table, already computed (round trips counted outside the timed runs). */
export interface ResultLine {
  title: string;
  ours: string;
  peer: string;
  value: string;
  runs: string;
  goal: string;
  verdict: 'met' | 'not met' | '—';
}

export interface GroupSetup {
  pairs: Pair[];
  rows: Row[];
  /** After the pairs ran: more lines and markdown sections (e.g. commands per agent turn). */
  after?(): Promise<{ lines?: ResultLine[]; markdown?: string[] }>;
  cleanup(): Promise<void>;
}

export interface CompareEnv {
  context: BenchContext;
  /** `--compare --smoke`: tiny counts, only checks every row still runs. */
  smoke: boolean;
  /** Operation counts, scaled down in a smoke run. */
  count(full: number): number;
  /** Servers the run used, for the page (`redis 7.0.15`). */
  servers: Set<string>;
  log(line: string): void;
}

/** A family of rows sharing a setup (clients, keys, servers). */
export interface CompareGroup {
  name: string;
  setup(env: CompareEnv): Promise<GroupSetup>;
}

interface CommandStat {
  calls: number;
  usec: number;
}

async function commandStats(server: StatsSource): Promise<Map<string, CommandStat>> {
  const stats = new Map<string, CommandStat>();
  for (const match of (await server.info('commandstats')).matchAll(
    /^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm,
  ))
    stats.set(match[1]!, { calls: Number(match[2]), usec: Number(match[3]) });
  return stats;
}

const SCRIPT_COMMANDS = new Set(['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro']);

/** Commands and server time between two snapshots, the INFO calls themselves left out. */
function delta(before: Map<string, CommandStat>, after: Map<string, CommandStat>) {
  let commands = 0;
  let scriptUsec = 0;
  let allUsec = 0;
  for (const [name, stat] of after) {
    if (name === 'info') continue;
    const previous = before.get(name) ?? { calls: 0, usec: 0 };
    commands += stat.calls - previous.calls;
    allUsec += stat.usec - previous.usec;
    if (SCRIPT_COMMANDS.has(name)) scriptUsec += stat.usec - previous.usec;
  }
  return { commands, scriptUsec, allUsec };
}

async function runSlice(side: Side, operations: number, offset: number, concurrency: number) {
  if (side.slice) return side.slice(operations, offset);
  const start = performance.now();
  const latencies = await drive(side.run!, operations, concurrency, offset);
  return { operations, seconds: (performance.now() - start) / 1000, latencies };
}

class SideRecorder {
  next = 0;
  constructor(
    readonly side: Side,
    private readonly pair: Pair,
  ) {}

  async warm(): Promise<void> {
    await runSlice(this.side, this.pair.warmup, this.next, this.pair.concurrency);
    this.next += this.pair.warmup;
  }

  /** One slice with its command counts; summed over a run's slices by `stats`. */
  async slice(operations: number) {
    const before = await commandStats(this.pair.server);
    const result = await runSlice(this.side, operations, this.next, this.pair.concurrency);
    const counted = delta(before, await commandStats(this.pair.server));
    this.next += operations;
    return { ...result, ...counted };
  }
}

function stats(slices: Awaited<ReturnType<SideRecorder['slice']>>[]): SideStats {
  const operations = slices.reduce((sum, each) => sum + each.operations, 0);
  const seconds = slices.reduce((sum, each) => sum + each.seconds, 0);
  const commands = slices.reduce((sum, each) => sum + each.commands, 0);
  const scriptUsec = slices.reduce((sum, each) => sum + each.scriptUsec, 0);
  const allUsec = slices.reduce((sum, each) => sum + each.allUsec, 0);
  const latencies = slices.flatMap((each) => each.latencies).sort((left, right) => left - right);
  return {
    opsPerSecond: operations / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    commandsPerOp: commands / operations,
    serverMicrosecondsPerOp: (scriptUsec > 0 ? scriptUsec : allUsec) / operations,
  };
}

/**
 * Measures a pair: warm-up of both sides, then `COMPARE_RUNS` runs, each alternating the sides
 * (Tristack, peer, Tristack, peer…) over `SLICES` slices so drift on a shared machine hits both.
 */
export async function measurePair(pair: Pair, log: (line: string) => void): Promise<PairRun[]> {
  const ours = new SideRecorder(pair.ours, pair);
  const peer = new SideRecorder(pair.peer, pair);
  await ours.warm();
  await peer.warm();
  const runs: PairRun[] = [];
  const perSlice = Math.max(1, Math.round(pair.operations / SLICES));
  for (let run = 0; run < COMPARE_RUNS; run++) {
    const oursSlices = [];
    const peerSlices = [];
    for (let slice = 0; slice < SLICES; slice++) {
      oursSlices.push(await ours.slice(perSlice));
      peerSlices.push(await peer.slice(perSlice));
    }
    const result = { ours: stats(oursSlices), peer: stats(peerSlices) };
    runs.push(result);
    log(
      `  ${pair.id} run ${run + 1}/${COMPARE_RUNS}: ${formatRate(result.ours.opsPerSecond)} vs ${formatRate(result.peer.opsPerSecond)}, ` +
        `p50 ${result.ours.p50Ms.toFixed(3)} vs ${result.peer.p50Ms.toFixed(3)} ms, ` +
        `${result.ours.commandsPerOp.toFixed(2)} vs ${result.peer.commandsPerOp.toFixed(2)} cmds/op`,
    );
  }
  return runs;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function formatRate(perSecond: number): string {
  return perSecond >= 1000 ? `${(perSecond / 1000).toFixed(1)}k/s` : `${perSecond.toFixed(0)}/s`;
}

const formatMs = (ms: number) => (ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));

function rowValue(metric: Metric, run: PairRun): number {
  switch (metric) {
    case 'throughput':
      return run.ours.opsPerSecond / run.peer.opsPerSecond;
    case 'p50':
      return run.ours.p50Ms / run.peer.p50Ms;
    case 'server-time':
      return run.ours.serverMicrosecondsPerOp / run.peer.serverMicrosecondsPerOp;
    case 'p50-added':
      return run.ours.p50Ms - run.peer.p50Ms;
    case 'commands':
      return run.ours.commandsPerOp;
  }
}

function sideFigure(metric: Metric, side: (run: PairRun) => SideStats, runs: PairRun[]): string {
  const at = (pick: (stats: SideStats) => number) => median(runs.map((run) => pick(side(run))));
  const commands = () => `${Number(at((each) => each.commandsPerOp).toFixed(1))} cmds/op`;
  switch (metric) {
    case 'throughput':
      return Number.isNaN(at((each) => each.p50Ms))
        ? `${formatRate(at((each) => each.opsPerSecond))}, ${commands()}`
        : `${formatRate(at((each) => each.opsPerSecond))}, p50 ${formatMs(at((each) => each.p50Ms))} ms, ${commands()}`;
    case 'p50':
    case 'p50-added':
      return `p50 ${formatMs(at((each) => each.p50Ms))} ms, p99 ${formatMs(at((each) => each.p99Ms))} ms, ${commands()}`;
    case 'server-time':
      return `${at((each) => each.serverMicrosecondsPerOp).toFixed(1)} µs/op, ${at((each) => each.commandsPerOp).toFixed(1)} cmds/op`;
    case 'commands':
      return `${at((each) => each.commandsPerOp).toFixed(2)} cmds/op`;
  }
}

function formatValue(metric: Metric, value: number): string {
  if (metric === 'p50-added') return `${value >= 0 ? '+' : ''}${formatMs(value)} ms`;
  if (metric === 'commands') return value.toFixed(2);
  return `${value.toFixed(2)}×`;
}

/** A row's line: each side's median figures, the median of the per-run values, the goal and verdict. */
export function resultLine(row: Row, pair: Pair, runs: PairRun[]): ResultLine {
  const values = runs.map((run) => rowValue(row.metric, run));
  const value = median(values);
  return {
    title: row.title,
    ours: `${pair.ours.name}: ${sideFigure(row.metric, (run) => run.ours, runs)}`,
    peer: `${pair.peer.name}: ${sideFigure(row.metric, (run) => run.peer, runs)}`,
    value: formatValue(row.metric, value),
    runs: values.map((each) => formatValue(row.metric, each)).join(', '),
    goal: row.goal ? row.goal.text : (row.note ?? '—'),
    verdict: row.goal ? (row.goal.met(value) ? 'met' : 'not met') : '—',
  };
}
