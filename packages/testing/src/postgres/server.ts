import {
  existsSync,
  mkdtempSync,
  openSync,
  closeSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findPostgresBinaries, HOW_TO_GET_POSTGRES } from './binaries.js';
import { startPostgresCluster, stopClusterAt } from './cluster.js';

/**
 * Folder shared by the run's global setup and its workers. The global setup only creates it; the
 * first worker whose test file calls `usePostgres()` starts the cluster there, so a run without a
 * Postgres test file starts nothing.
 */
export const POSTGRES_RUN_DIR_ENV = 'TRISTACK_TEST_POSTGRES_RUN_DIR';

/** What the worker that started the cluster leaves for the others and for the teardown. */
interface StartedServer {
  url: string;
  dataDir: string;
  binDir: string;
}

export interface PostgresServer {
  /** Connection string to the server's `postgres` database (or to `DATABASE_URL` as given). */
  readonly url: string;
  readonly source: 'DATABASE_URL' | 'throwaway cluster';
}

/** Whether Postgres tests can run here, and why not when they cannot. */
export function postgresAvailability(): { available: true } | { available: false; reason: string } {
  if (process.env.DATABASE_URL) return { available: true };
  if (findPostgresBinaries()) return { available: true };
  return {
    available: false,
    reason: `no DATABASE_URL and no PostgreSQL binaries found; ${HOW_TO_GET_POSTGRES}`,
  };
}

/**
 * True when Postgres tests can run; otherwise prints why, so a gated suite never passes silently:
 * `describe.runIf(requiresPostgres('conversation memory'))(…)`.
 */
export function requiresPostgres(what: string): boolean {
  const availability = postgresAvailability();
  if (!availability.available)
    console.warn(`[tristack] NOT RUN: ${what} on PostgreSQL: ${availability.reason}`);
  return availability.available;
}

let serverOfThisProcess: Promise<PostgresServer> | undefined;

/** The run's server: `DATABASE_URL` when set, else the throwaway cluster (started on first use). */
export function postgresServer(): Promise<PostgresServer> {
  serverOfThisProcess ??= locateServer();
  return serverOfThisProcess;
}

async function locateServer(): Promise<PostgresServer> {
  const given = process.env.DATABASE_URL;
  if (given) return { url: given, source: 'DATABASE_URL' };
  const runDir = process.env[POSTGRES_RUN_DIR_ENV];
  if (!runDir)
    throw new Error(
      `[tristack] [harness] no Postgres run folder: add '@tristack/testing/postgres-global-setup' to Vitest's ` +
        `globalSetup (the repository's vitest.config.ts does), or set DATABASE_URL`,
    );
  const serverFile = join(runDir, 'server.json');
  const failureFile = join(runDir, 'failed.txt');
  if (takeStartLock(runDir)) {
    const binaries = findPostgresBinaries();
    try {
      if (!binaries) throw new Error(`[tristack] [harness] ${HOW_TO_GET_POSTGRES}`);
      const cluster = await startPostgresCluster(binaries);
      const started: StartedServer = { url: cluster.url, dataDir: cluster.dataDir, binDir: binaries.binDir };
      writeFileSync(`${serverFile}.tmp`, JSON.stringify(started));
      renameSync(`${serverFile}.tmp`, serverFile); // readers never see half a file
    } catch (error) {
      writeFileSync(failureFile, String(error instanceof Error ? error.message : error));
      throw error;
    }
  }
  // Another worker starts it (or this one just did): wait for its note.
  for (let waited = 0; waited < 120_000; waited += 50) {
    if (existsSync(serverFile)) {
      const started = JSON.parse(readFileSync(serverFile, 'utf8')) as StartedServer;
      return { url: started.url, source: 'throwaway cluster' };
    }
    if (existsSync(failureFile))
      throw new Error(
        `[tristack] [harness] the Postgres cluster failed to start: ${readFileSync(failureFile, 'utf8')}`,
      );
    await sleep(50);
  }
  throw new Error('[tristack] [harness] timed out waiting for the Postgres cluster to start');
}

function takeStartLock(runDir: string): boolean {
  try {
    closeSync(openSync(join(runDir, 'start.lock'), 'wx'));
    return true;
  } catch {
    return false;
  }
}

/** For the global setup: a fresh run folder (nothing started). */
export function createPostgresRunDir(): string {
  return mkdtempSync(join(tmpdir(), 'tristack-postgres-run-'));
}

/** For the global teardown: stops the cluster a worker started, if any, and deletes everything. */
export async function stopPostgresRun(runDir: string): Promise<void> {
  const serverFile = join(runDir, 'server.json');
  if (existsSync(serverFile)) {
    const started = JSON.parse(readFileSync(serverFile, 'utf8')) as StartedServer;
    await stopClusterAt(started.binDir, started.dataDir);
  }
  rmSync(runDir, { recursive: true, force: true });
}
