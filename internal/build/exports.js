// @ts-check
// The exports map of a @tristack package is derived from its folder tree: `src/index.ts` is ".",
// every `src/<primitive>/index.ts` is "./<primitive>". Build and CI fail when package.json disagrees.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** @param {string} packageDir @returns {string[]} subpath names, '' for the root entry */
export function entryNames(packageDir) {
  const src = join(packageDir, 'src');
  const names = existsSync(join(src, 'index.ts')) ? [''] : [];
  for (const dirent of readdirSync(src, { withFileTypes: true })) {
    if (dirent.isDirectory() && existsSync(join(src, dirent.name, 'index.ts'))) names.push(dirent.name);
  }
  return names.sort();
}

/** @param {string[]} names @returns {Record<string, string>} tsup entry map */
export function tsupEntries(names) {
  return Object.fromEntries(
    names.map((name) => [name ? `${name}/index` : 'index', name ? `src/${name}/index.ts` : 'src/index.ts']),
  );
}

/** @param {string[]} names */
export function expectedExports(names) {
  /** @type {Record<string, unknown>} */
  const exports = {};
  for (const name of names) {
    const base = name ? `./dist/${name}/index` : './dist/index';
    exports[name ? `./${name}` : '.'] = {
      '@tristack/source': name ? `./src/${name}/index.ts` : './src/index.ts',
      import: { types: `${base}.d.ts`, default: `${base}.js` },
      require: { types: `${base}.d.cts`, default: `${base}.cjs` },
    };
  }
  exports['./package.json'] = './package.json';
  return exports;
}

/** @param {string} packageDir @returns {string[]} problems, empty when the map matches the tree */
export function checkExports(packageDir) {
  const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
  const expected = expectedExports(entryNames(packageDir));
  const actual = pkg.exports ?? {};
  const problems = [];
  for (const key of Object.keys(expected)) {
    if (!(key in actual)) problems.push(`${key} is built from src but missing from package.json exports`);
    else if (JSON.stringify(actual[key]) !== JSON.stringify(expected[key]))
      problems.push(`${key} in package.json exports does not match the build output`);
  }
  for (const key of Object.keys(actual)) {
    if (!(key in expected))
      problems.push(`${key} is in package.json exports but no src/${key.slice(2)}/index.ts exists`);
  }
  return problems.map((problem) => `[${pkg.name}] ${problem} (run: pnpm exports:sync)`);
}
