/**
 * Test support, not part of the package's API: starts Node processes running
 * redis-rate-limiter.fleet-worker.ts and hands them the same task at once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { FleetReport, FleetTask } from './redis-rate-limiter.fleet-worker.js';

const TSX = fileURLToPath(new URL('../../../../node_modules/.bin/tsx', import.meta.url));
const WORKER = fileURLToPath(new URL('./redis-rate-limiter.fleet-worker.ts', import.meta.url));

export interface Fleet {
  /** Sends `task` to every process at once; resolves with each one's report. */
  run(task: FleetTask): Promise<FleetReport[]>;
  /** Ends every process (SIGKILL after a grace period). Safe to call twice. */
  close(): Promise<void>;
}

function nextLine(
  lines: Interface,
  child: ChildProcess,
  timeoutMs: number,
  stderr: () => string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => fail(new Error(`fleet worker silent for ${timeoutMs} ms\n${stderr()}`)),
      timeoutMs,
    );
    const onLine = (line: string) => {
      cleanup();
      resolve(line);
    };
    const onExit = (code: number | null) => fail(new Error(`fleet worker exited with ${code}\n${stderr()}`));
    const fail = (error: Error) => {
      cleanup();
      reject(error);
    };
    const cleanup = () => {
      clearTimeout(timer);
      lines.off('line', onLine);
      child.off('exit', onExit);
    };
    lines.once('line', onLine);
    child.once('exit', onExit);
    if (child.exitCode !== null || child.signalCode !== null) onExit(child.exitCode);
  });
}

/** Starts `count` worker processes against one server (`[url, database]`) or a cluster (`['--cluster', urls]`). */
export async function startFleet(count: number, args: readonly string[], timeoutMs = 60_000): Promise<Fleet> {
  const workers: { child: ChildProcess; lines: Interface; stderr: () => string }[] = [];
  const close = async () => {
    await Promise.all(
      workers.map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.stdin?.end();
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 2_000).unref();
          }),
      ),
    );
  };
  try {
    for (let index = 0; index < count; index++) {
      const child = spawn(TSX, ['--conditions=@tristack/source', WORKER, ...args], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let errors = '';
      child.stderr!.on('data', (chunk: Buffer) => (errors = (errors + chunk.toString()).slice(-4_000)));
      workers.push({ child, lines: createInterface({ input: child.stdout! }), stderr: () => errors });
    }
    const ready = await Promise.all(
      workers.map(({ child, lines, stderr }) => nextLine(lines, child, timeoutMs, stderr)),
    );
    if (ready.some((line) => line !== 'ready'))
      throw new Error(`fleet worker failed to start: ${ready.join(' | ')}`);
  } catch (error) {
    await close();
    throw error;
  }
  return {
    async run(task) {
      const replies = workers.map(({ child, lines, stderr }) => nextLine(lines, child, timeoutMs, stderr));
      const line = JSON.stringify({ ...task, limiter: { timeoutMs: 15_000, ...task.limiter } });
      for (const { child } of workers) child.stdin!.write(`${line}\n`);
      const reports = (await Promise.all(replies)).map((line) => JSON.parse(line) as FleetReport);
      const failed = reports.find((report) => report.error);
      if (failed) throw new Error(`fleet worker failed task ${failed.id}: ${failed.error}`);
      // Counts are only exact when Redis answered every call (the tests set a generous timeout).
      const unanswered = reports.reduce((sum, report) => sum + report.unavailable, 0);
      if (unanswered > 0)
        throw new Error(`${unanswered} calls of task ${task.id} timed out: machine overloaded?`);
      return reports;
    },
    close,
  };
}

/** Sums one unit's charges (`scope/unit`) over every process and key, or over the keys `match` accepts. */
export function totalCharged(
  reports: readonly FleetReport[],
  unit: string,
  match: (key: string) => boolean = () => true,
): number {
  let total = 0;
  for (const report of reports)
    for (const [key, entry] of Object.entries(report.admitted))
      if (match(key)) total += entry.charged[unit] ?? 0;
  return total;
}

export function totalCalls(
  reports: readonly FleetReport[],
  match: (key: string) => boolean = () => true,
): number {
  let total = 0;
  for (const report of reports)
    for (const [key, entry] of Object.entries(report.admitted)) if (match(key)) total += entry.calls;
  return total;
}
