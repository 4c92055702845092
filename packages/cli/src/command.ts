import type { RedisClientInput } from '@tristack/redis';
import type { Pool } from 'pg';
import { type CliIo, type Style, renderTable } from './output.js';

/** A `util.parseArgs` option, plus its help text. */
export interface CliOption {
  type: 'string' | 'boolean';
  short?: string;
  description: string;
  /** Shown in the help as the value's name. */
  value?: string;
}

/** What a command gets to run. */
export interface CliContext {
  /** Positionals after the command's own words. */
  args: string[];
  options: Record<string, string | boolean | undefined>;
  io: CliIo;
  style: Style;
  /** `--json`: machine-readable output only. */
  json: boolean;
  /** Key prefix of the deployment (`--prefix`); with `--postgres-url`, its schema. */
  prefix: string;
  /** Tenant of audit queries (`--tenant`). */
  tenantId: string;
  /** Aborted on Ctrl-C; long-running commands (`--follow`) stop on it. */
  signal: AbortSignal;
  /** The deployment's Redis (connected on first use, closed when the command ends). */
  redis(): Promise<RedisClientInput>;
  /**
   * With `--postgres-url`: the deployment's PostgreSQL (a pool opened on first use, ended when the
   * command ends); undefined for a Redis deployment. Commands read it through the Postgres drivers.
   */
  postgres: (() => Promise<Pool>) | undefined;
  /** Writes to stdout. */
  out(text: string): void;
  /** Writes to stderr (progress, hints): never mixed into `--json` output. */
  err(text: string): void;
}

/** One subcommand: small modules in `commands/`, listed in `commands/index.ts`. */
export interface CliCommand {
  /** The words that select it, e.g. `['audit', 'verify']`. */
  path: string[];
  /** Positional arguments, for the help: `<tenant>`. */
  usage: string;
  summary: string;
  options?: Record<string, CliOption>;
  /** Resolves with the exit code (0 ok, 1 a finding such as a broken chain). */
  run(context: CliContext): Promise<number>;
}

/** A mistake in the command line: printed with the usage, exit code 2. */
export class UsageError extends Error {}

/** Parses a time option: ms since the epoch, an ISO date, or an age such as `15m`, `2h`, `7d`. */
export function parseTime(
  value: string | boolean | undefined,
  name: string,
  now = Date.now(),
): number | undefined {
  if (value === undefined || typeof value === 'boolean') return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  const age = /^(\d+)(ms|s|m|h|d)$/.exec(value);
  if (age) {
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[age[2] as 'ms'];
    return now - Number(age[1]) * unit;
  }
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed))
    throw new UsageError(
      `--${name}: expected ms since the epoch, an ISO date or an age like 15m, got "${value}"`,
    );
  return parsed;
}

export function parseCount(value: string | boolean | undefined, name: string, fallback: number): number {
  if (value === undefined || typeof value === 'boolean') return fallback;
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1)
    throw new UsageError(`--${name}: expected a positive integer, got "${value}"`);
  return count;
}

/** `--from` / `--to`, shared by every command that reads a time range. */
export const timeRangeOptions: Record<'from' | 'to', CliOption> = {
  from: { type: 'string', value: 'time', description: 'earliest time: ms, ISO date or an age (15m, 2h, 7d)' },
  to: { type: 'string', value: 'time', description: 'latest time (same forms)' },
};

/** The parsed `--from` / `--to`, only the ones given. */
export function timeRange(options: CliContext['options']): { from?: number; to?: number } {
  const from = parseTime(options['from'], 'from');
  const to = parseTime(options['to'], 'to');
  return { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
}

/** A table on the command's stdout: styled, and cut to the terminal's width on a TTY. */
export function tableFor(context: CliContext, header: string[], rows: string[][]): string {
  const { stdout } = context.io;
  return renderTable(header, rows, context.style, stdout.isTTY ? stdout.columns : undefined);
}
