import { spawn, type ChildProcess } from 'node:child_process';

/** A Node child process running one script: a member of a simulated fleet in a test. */
export interface NodeWorker {
  readonly process: ChildProcess;
  /** Every stdout line so far. */
  readonly lines: readonly string[];
  /** The last few kB of stdout and stderr, for failure messages. */
  readonly output: string;
  /** Resolves with the first stdout line (seen or still to come) that matches; rejects on exit or timeout. */
  waitForLine(match: string | RegExp, timeoutMs?: number): Promise<string>;
  /** Writes a line to the worker's stdin. */
  send(line: string): void;
  /** Resolves with the exit code once the worker exits by itself; rejects on timeout. */
  exited(timeoutMs?: number): Promise<number | null>;
  /** Sends `signal` (default SIGKILL) unless it already exited; resolves once it is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface SpawnNodeWorkerOptions {
  /** @default process.cwd() (where `tsx` must resolve for `.ts` scripts) */
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Extra Node flags. `.ts` scripts get `--import tsx`; `--conditions=@tristack/source` is always set. */
  nodeArgs?: readonly string[];
}

/**
 * Spawns `node <script> …args` with the workspace's source condition (TypeScript through tsx).
 * Kill every worker in a `finally`/`afterAll`.
 */
export function spawnNodeWorker(
  script: string,
  args: readonly string[] = [],
  options: SpawnNodeWorkerOptions = {},
): NodeWorker {
  const nodeArgs = [
    '--conditions=@tristack/source',
    ...(script.endsWith('.ts') ? ['--import', 'tsx'] : []),
    ...(options.nodeArgs ?? []),
  ];
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], {
    cwd: options.cwd ?? process.cwd(),
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let output = '';
  let partial = '';
  const notify = () => {
    for (const waiter of waiters) waiter();
  };
  child.stdout!.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    output = (output + text).slice(-8000);
    const parts = (partial + text).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
    notify();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8000);
  });
  child.on('exit', notify);
  child.stdin!.on('error', () => {});
  const gone = () => child.exitCode !== null || child.signalCode !== null;

  const waitFor = <T>(check: () => T | undefined, what: string, timeoutMs: number, failOnExit: boolean) =>
    new Promise<T>((resolve, reject) => {
      const waiter = () => {
        const found = check();
        if (found !== undefined) return finish(() => resolve(found));
        if (failOnExit && gone())
          finish(() => reject(new Error(`[tristack] [fleet] worker exited before ${what}:\n${output}`)));
      };
      const timer = setTimeout(
        () => finish(() => reject(new Error(`[tristack] [fleet] timed out waiting for ${what}:\n${output}`))),
        timeoutMs,
      );
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        waiters.delete(waiter);
        settle();
      };
      waiters.add(waiter);
      waiter();
    });

  return {
    process: child,
    lines,
    get output() {
      return output;
    },
    waitForLine: (match, timeoutMs = 30_000) =>
      waitFor(
        () => lines.find((line) => (typeof match === 'string' ? line === match : match.test(line))),
        `a line matching ${String(match)}`,
        timeoutMs,
        true,
      ),
    send: (line) => {
      child.stdin!.write(`${line}\n`);
    },
    exited: (timeoutMs = 15_000) =>
      waitFor(() => (gone() ? { code: child.exitCode } : undefined), 'exit', timeoutMs, false).then(
        ({ code }) => code,
      ),
    kill: async (signal = 'SIGKILL') => {
      if (gone()) return;
      const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill(signal);
      await exit;
    },
  };
}
