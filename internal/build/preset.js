// @ts-check
// Shared tsup preset: ESM + CJS + .d.ts per entry, one entry per primitive folder.
import { checkExports, entryNames, tsupEntries } from './exports.js';
import { generateLuaModules } from './lua.js';

/** @param {{ external?: (string | RegExp)[] }} [options] @returns {import('tsup').Options} */
export function preset(options = {}) {
  const packageDir = process.cwd();
  const problems = checkExports(packageDir);
  if (problems.length > 0) throw new Error(problems.join('\n'));
  // The drivers import their Lua as generated modules (git-ignored): write them before bundling.
  generateLuaModules(packageDir);
  return {
    entry: tsupEntries(entryNames(packageDir)),
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    // The maps point at `src/`, which the tarball ships: embedding the sources again would double its size.
    esbuildOptions(esbuild) {
      esbuild.sourcesContent = false;
    },
    clean: true,
    // Shared chunks keep one copy of each class per format, so `instanceof` holds across subpaths.
    splitting: true,
    target: 'node20',
    platform: 'node',
    external: options.external,
  };
}
