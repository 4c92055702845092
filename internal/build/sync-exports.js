// @ts-check
// Rewrites the exports map of every packages/* manifest from its src folder tree.
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { entryNames, expectedExports, expectedTypesVersions } from './exports.js';

const root = new URL('../../packages/', import.meta.url).pathname;
for (const name of readdirSync(root)) {
  const manifestPath = join(root, name, 'package.json');
  if (!existsSync(manifestPath)) continue;
  const pkg = JSON.parse(readFileSync(manifestPath, 'utf8'));
  pkg.exports = expectedExports(entryNames(join(root, name)));
  // undefined (left out) for a package without subpaths.
  pkg.typesVersions = expectedTypesVersions(entryNames(join(root, name)));
  writeFileSync(manifestPath, `${JSON.stringify(pkg, null, 2)}\n`);
  console.log(`${pkg.name}: ${Object.keys(pkg.exports).length - 1} entries`);
}
