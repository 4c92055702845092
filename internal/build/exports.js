// @ts-check
// The exports map of a @tristack package is derived from its folder tree: `src/index.ts` is ".",
// every `src/<primitive>/index.ts` is "./<primitive>" (except `src/internal/`). Nothing else is importable:
// a package's exports map lists every entry, so deep paths (`/dist/...`, `/src/...`) are blocked by Node.
// Build and CI fail when package.json disagrees.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Folders that never become subpaths, whatever they hold: code shared inside a package only. */
const privateFolders = new Set(['internal']);

/** @param {string} packageDir @returns {string[]} subpath names, '' for the root entry */
export function entryNames(packageDir) {
  const src = join(packageDir, 'src');
  const names = existsSync(join(src, 'index.ts')) ? [''] : [];
  for (const dirent of readdirSync(src, { withFileTypes: true })) {
    if (privateFolders.has(dirent.name)) continue;
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

/**
 * TypeScript's `node10` resolution (`moduleResolution: "node"`) ignores `exports`: without this map
 * `@tristack/<package>/<primitive>` has no types there. The root entry keeps using `types`.
 * @param {string[]} names @returns {Record<string, Record<string, string[]>> | undefined}
 */
export function expectedTypesVersions(names) {
  const subpaths = names.filter((name) => name !== '');
  if (subpaths.length === 0) return undefined;
  return { '*': Object.fromEntries(subpaths.map((name) => [name, [`./dist/${name}/index.d.cts`]])) };
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
  const typesVersions = expectedTypesVersions(entryNames(packageDir));
  if (JSON.stringify(pkg.typesVersions) !== JSON.stringify(typesVersions))
    problems.push('typesVersions (subpath types for node10 resolution) does not match the exports map');
  return problems.map((problem) => `[${pkg.name}] ${problem} (run: pnpm exports:sync)`);
}
