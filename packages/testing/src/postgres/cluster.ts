import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../redis/server-process.js';
import type { PostgresBinaries } from './binaries.js';

const run = promisify(execFile);

/** A PostgreSQL cluster in a temporary folder, owned by the test run. */
export interface PostgresCluster {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust authentication, loopback only). */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** Stops the server (fast shutdown: connections are closed) and keeps the data. */
  stop(): Promise<void>;
  /** Starts it again on the same port (for outage tests). */
  start(): Promise<void>;
  /** Stops the server and deletes the folder. */
  destroy(): Promise<void>;
}

/**
 * initdb refuses to run as root, and the server refuses too: under root the programs run as the
 * `postgres` system user (Debian's package creates it), on a folder handed to that user.
 */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const [name, , uid, gid] = line.split(':');
    if (name === 'postgres') return { uid: Number(uid), gid: Number(gid) };
  }
  throw new Error('[tristack] [harness] running as root and no `postgres` user exists to run initdb as');
}

/**
 * `initdb` + `pg_ctl start` on a free loopback port in a new temporary folder. Settings favour
 * speed over durability (fsync off): the data is thrown away at the end of the run.
 */
export async function startPostgresCluster(
  binaries: PostgresBinaries,
  options: { port?: number } = {},
): Promise<PostgresCluster> {
  const user = runAs();
  const root = mkdtempSync(join(tmpdir(), 'tristack-postgres-'));
  if (user) chownSync(root, user.uid, user.gid);
  const dataDir = join(root, 'data');
  const port = options.port ?? (await freePort());
  const spawnOptions = { ...user, env: { ...process.env, LC_ALL: 'C', LANG: 'C' } };
  const program = (name: string): string => join(binaries.binDir, name);
  try {
    await run(
      program('initdb'),
      ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'],
      spawnOptions,
    );
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw new Error(`[tristack] [harness] initdb failed: ${describe(error)}`, { cause: error });
  }
  const serverOptions = [
    `-p ${port}`,
    `-k ${root}`,
    "-c listen_addresses='127.0.0.1'",
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=300',
    '-c shared_buffers=64MB',
  ].join(' ');
  const start = async (): Promise<void> => {
    try {
      await run(
        program('pg_ctl'),
        ['-D', dataDir, '-o', serverOptions, '-l', join(root, 'server.log'), '-w', '-t', '60', 'start'],
        spawnOptions,
      );
    } catch (error) {
      let log = '';
      try {
        log = readFileSync(join(root, 'server.log'), 'utf8').slice(-2000);
      } catch {
        // no log written
      }
      throw new Error(`[tristack] [harness] pg_ctl start failed: ${describe(error)}\n${log}`, {
        cause: error,
      });
    }
  };
  const stop = (): Promise<void> => stopServer(binaries.binDir, dataDir);
  try {
    await start();
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    stop,
    start,
    destroy: () => stopClusterAt(binaries.binDir, dataDir),
  };
}

function describe(error: unknown): string {
  const stderr = (error as { stderr?: unknown } | null)?.stderr;
  return typeof stderr === 'string' && stderr.trim() ? stderr.trim() : String(error);
}

async function stopServer(binDir: string, dataDir: string): Promise<void> {
  const spawnOptions = { ...runAs(), env: { ...process.env, LC_ALL: 'C', LANG: 'C' } };
  await run(join(binDir, 'pg_ctl'), ['-D', dataDir, '-m', 'fast', '-w', 'stop'], spawnOptions).catch(
    () => undefined, // not running
  );
}

/** Stops the cluster whose data folder is `dataDir` and deletes its temporary folder. */
export async function stopClusterAt(binDir: string, dataDir: string): Promise<void> {
  await stopServer(binDir, dataDir);
  rmSync(dirname(dataDir), { recursive: true, force: true });
}
