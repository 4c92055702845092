import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { runCli } from './cli.js';
import type { CliIo } from './output.js';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const BIN = fileURLToPath(new URL('./bin.ts', import.meta.url));

/** The test's environment without colour switches: piped output decides (and Node warns when both are set). */
function plainEnv(): NodeJS.ProcessEnv {
  const { NO_COLOR: _noColor, FORCE_COLOR: _forceColor, ...env } = process.env;
  return env;
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `tristack` binary (TypeScript source through tsx), piped: no TTY, no colour. */
export async function runBinary(args: string[], options: { timeoutMs?: number } = {}): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      TSX,
      ['--conditions=@tristack/source', BIN, ...args],
      {
        cwd: ROOT,
        timeout: options.timeoutMs ?? 60_000,
        env: plainEnv(),
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** Starts the binary with piped stdio, for tests that drive the pipe themselves. */
export function spawnBinary(args: string[]): ChildProcessWithoutNullStreams {
  return spawn(TSX, ['--conditions=@tristack/source', BIN, ...args], {
    cwd: ROOT,
    env: plainEnv(),
  });
}

/** Runs the CLI in this process with captured output; `tty` makes it colour like a terminal. */
export async function runInProcess(
  args: string[],
  options: { tty?: boolean; env?: Record<string, string> } = {},
): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text), isTTY: options.tty ?? false, columns: 400 },
    stderr: { write: (text: string) => (stderr += text), isTTY: options.tty ?? false },
    env: options.env ?? {},
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}
