// @ts-check
// Shared tsup preset: ESM + CJS + .d.ts per entry, one entry per primitive folder.
import { checkExports, entryNames, tsupEntries } from './exports.js';

/** @param {{ external?: (string | RegExp)[] }} [options] @returns {import('tsup').Options} */
export function preset(options = {}) {
  const packageDir = process.cwd();
  const problems = checkExports(packageDir);
  if (problems.length > 0) throw new Error(problems.join('\n'));
  return {
    entry: tsupEntries(entryNames(packageDir)),
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    // Shared chunks keep one copy of each class per format, so `instanceof` holds across subpaths.
    splitting: true,
    target: 'node20',
    platform: 'node',
    external: options.external,
  };
}
