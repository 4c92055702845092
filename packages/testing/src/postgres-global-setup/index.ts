/**
 * Vitest global setup for PostgreSQL tests: creates the run's folder and, at the end, stops the
 * throwaway cluster if a test file started one (`usePostgres()` starts it on first use, so a run
 * without Postgres tests starts nothing). With `DATABASE_URL` set, nothing is started at all.
 *
 *   test: { globalSetup: ['@tristack/testing/postgres-global-setup'] }
 */
import { createPostgresRunDir, POSTGRES_RUN_DIR_ENV, stopPostgresRun } from '../postgres/server.js';

let runDir: string | undefined;

export function setup(): void {
  if (process.env[POSTGRES_RUN_DIR_ENV]) return; // set up already by an outer setup of this run
  runDir = createPostgresRunDir();
  process.env[POSTGRES_RUN_DIR_ENV] = runDir;
}

export async function teardown(): Promise<void> {
  if (!runDir) return;
  await stopPostgresRun(runDir);
  delete process.env[POSTGRES_RUN_DIR_ENV];
  runDir = undefined;
}
