import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnNodeWorker } from '@tristack/testing/fleet';
import { requiresPostgres, usePostgres } from '@tristack/testing/postgres';
import { afterAll, describe, expect, it } from 'vitest';

// The docs-blocks test runs ```ts run blocks against Redis only, so the typechecked program of
// docs/postgres.md runs here, against PostgreSQL: it must work and exit by itself (the breaker's
// LISTEN connection and the pool closed, no timer left).
const packageRoot = new URL('../', import.meta.url).pathname;
const page = readFileSync(join(packageRoot, '../../docs/postgres.md'), 'utf8');
const program = /```ts\n(import pg from 'pg';[\s\S]*?)```/.exec(page)?.[1];

describe.runIf(requiresPostgres('docs/postgres.md program'))('docs/postgres.md', () => {
  const postgres = usePostgres();
  // Inside the package, so `@tristack/postgres` resolves to itself (the source, under tsx) and `pg` to its dependency.
  const folder = join(packageRoot, `.docs-program-${process.pid}`);
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('runs the first program of the page to completion, and it exits by itself', async () => {
    expect(program).toBeDefined();
    mkdirSync(folder, { recursive: true });
    const file = join(folder, 'program.ts');
    writeFileSync(file, program!);
    const worker = spawnNodeWorker(file, [], { env: { DATABASE_URL: postgres.url } });
    try {
      const code = await worker.exited(60_000);
      expect(`exit ${code}\n${worker.output}`).toMatch(/^exit 0\n/);
      expect(worker.output).toContain("'Hi', 'Hello!'");
    } finally {
      await worker.kill();
    }
  });
});
