import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The workspace packages the benchmarks import, measured as users install them: built. */
const PACKAGES = ['core', 'redis', 'langchain', 'ai-sdk', 'langgraph-redis', 'postgres', 'testing'];

/**
 * Tests, fixtures, fleet workers and notes are not built: editing one leaves the build current.
 * (A deleted or renamed source is not noticed: the guard compares times, not file lists.)
 */
const NOT_BUILT = /\.(test|test-d|fixture|bench|fleet-worker|fleet-support)\.ts$|\.fixture\.lua$|\.md$/;

function newest(directory: string): number {
  let latest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) latest = Math.max(latest, newest(path));
    else if (!NOT_BUILT.test(entry.name)) latest = Math.max(latest, statSync(path).mtimeMs);
  }
  return latest;
}

/**
 * Throws unless every package's `dist/` is at least as new as its `src/`. The benchmarks import
 * the built JavaScript, as the peers are measured (their published builds): running TypeScript
 * sources through tsx adds esbuild's `__name` wrapper to every closure made on a hot path, which
 * no user pays.
 */
export function assertBuiltPackages(): void {
  const root = fileURLToPath(new URL('../../packages/', import.meta.url));
  const stale: string[] = [];
  for (const name of PACKAGES) {
    const dist = join(root, name, 'dist');
    let built = 0;
    try {
      built = newest(dist);
    } catch {
      stale.push(`${name} (no dist/)`);
      continue;
    }
    if (newest(join(root, name, 'src')) > built) stale.push(name);
  }
  if (stale.length > 0)
    throw new Error(
      `[bench] the benchmarks measure the built packages; not built or older than their sources: ${stale.join(', ')}. Run \`pnpm build\` first.`,
    );
}
