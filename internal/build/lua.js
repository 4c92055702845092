// @ts-check
// Redis Lua scripts live in `.lua` files, one script per file, BullMQ style:
//   packages/<package>/src/<primitive>/lua/<name>-<key count>.lua   a script (`-2+`: 2 or more keys)
//   packages/<package>/src/<primitive>/lua/includes/<name>.lua     functions shared by scripts
// A script pulls an include in with a line `--- @include "includes/<name>"` (path relative to the
// including file, `.lua` implied). Includes may include others; each file lands once per script,
// where it is first included. Every script becomes a git-ignored module beside it,
// `<name>-<n>.lua.generated.ts`, whose default export is the expanded source: the drivers import
// that, so tsup bundles the text into dist (nothing is read from disk at run time, ESM or CJS).
//
//
// Templates: a script written per call shape at run time (the rate limiter's specialised limit(),
// lua/limit-template-1+.lua) is a template, an ordinary script file whose header describes the
// script it expands to. It stays valid Lua, so lint checks it as written: its markers are one-line
// block comments `--[[ @<directive> … ]]` and its placeholders identifiers `__UPPER_CASE` that the
// driver's expander (packages/redis/src/rate-limiter/lua-template.ts) replaces with numbers, names
// or joined fragments. Directives: `@fragment <kind|any> <name>` … `@end` (or, inline, followed by
// `local _ = <expressions>`) defines a piece of Lua per kind of rule; `@script` starts the script;
// `@each key|rule` … `@end` repeats lines; `@insert <name>` places a rule's fragment; `@if a=v` …
// `@end` keeps lines for some rules. Blank lines and `---` notes are left out of the expansion.
// Lint checks that markers are known and every block is closed; the expander fails on anything
// else it does not understand, and the driver's tests run what it writes.
//
//   node internal/build/lua.js          generate the modules of every package (`pnpm gen:lua`)
//   node internal/build/lua.js lint     headers, key counts and `luac5.1 -p` of every file
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPOSITORY_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const GENERATED_SUFFIX = '.lua.generated.ts';
const INCLUDE = /^--- @include "([^"]+)"\s*$/;
const SCRIPT_NAME = /^[a-z0-9]+(?:-[a-z0-9]+)*-(\d+)(\+?)(?:\.fixture)?\.lua$/;

/** @param {string} directory @returns {string[]} every file below it, skipping node_modules and dist */
function walk(directory) {
  if (!existsSync(directory)) return [];
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'dist' ? [] : walk(path);
    return [path];
  });
}

/** @param {string} root a package directory, or the repository (every package) @returns {string[]} */
function sourceDirectories(root) {
  if (existsSync(join(root, 'src'))) return [join(root, 'src')];
  const packages = join(root, 'packages');
  return readdirSync(packages).map((name) => join(packages, name, 'src'));
}

/** Every `.lua` file (scripts and includes) under the package(s) at `root`. @param {string} root */
export function findLuaFiles(root = REPOSITORY_ROOT) {
  return sourceDirectories(root)
    .flatMap(walk)
    .filter((path) => path.endsWith('.lua'))
    .sort();
}

/** @param {string} path */
const isInclude = (path) => basename(dirname(path)) === 'includes';

/** The scripts (not the includes) under `root`. @param {string} root */
export function findLuaScripts(root = REPOSITORY_ROOT) {
  return findLuaFiles(root).filter((path) => !isInclude(path));
}

/**
 * The script at `path` with its includes expanded in place, each file once.
 * @param {string} path
 * @param {Set<string>} [included] files already expanded into this script
 * @param {string[]} [stack] the include chain, to report cycles
 * @returns {string}
 */
export function expandLua(path, included = new Set([resolve(path)]), stack = [resolve(path)]) {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((line) => {
      const match = INCLUDE.exec(line);
      if (!match) return line;
      const target = resolve(dirname(path), `${match[1]}.lua`);
      if (stack.includes(target))
        throw new Error(`[tristack] [lua] include cycle: ${[...stack, target].join(' -> ')}`);
      if (!existsSync(target)) throw new Error(`[tristack] [lua] ${path}: no include file ${target}`);
      if (included.has(target)) return `-- (${match[1]}: included above)`;
      included.add(target);
      return expandLua(target, included, [...stack, target]).replace(/\n$/, '');
    })
    .join('\n');
}

/** @param {string} luaPath */
export const generatedPath = (luaPath) => luaPath.replace(/\.lua$/, GENERATED_SUFFIX);

/** @param {string} luaPath @param {string} source */
function moduleText(luaPath, source) {
  const from = relative(REPOSITORY_ROOT, luaPath);
  return `// Generated from ${from} by internal/build/lua.js (pnpm gen:lua): edit the .lua file.\nexport default ${JSON.stringify(source)};\n`;
}

/**
 * Writes the `.lua.generated.ts` module of every script under `root` (only when its text changed,
 * so concurrent runs and watchers see no churn) and removes modules whose script is gone.
 * @param {string} [root] a package directory, or the repository
 * @returns {string[]} the modules written
 */
export function generateLuaModules(root = REPOSITORY_ROOT) {
  const written = [];
  for (const script of findLuaScripts(root)) {
    const target = generatedPath(script);
    const text = moduleText(script, expandLua(script));
    if (existsSync(target) && readFileSync(target, 'utf8') === text) continue;
    writeFileSync(target, text);
    written.push(target);
  }
  for (const directory of sourceDirectories(root)) {
    for (const path of walk(directory)) {
      if (path.endsWith(GENERATED_SUFFIX) && !existsSync(path.replace(GENERATED_SUFFIX, '.lua')))
        rmSync(path);
    }
  }
  return written;
}

/**
 * What a script's file name and header must say: `<name>-<n>.lua` (`-<n>+` for n or more keys), a
 * leading `--[[ … ]]` header naming KEYS[1…n] (and KEYS[n+1…] for `+`), its ARGV and what it returns.
 * @param {string} path @returns {string[]} problems, empty when the script follows the convention
 */
export function checkLuaScript(path) {
  const name = basename(path);
  const match = SCRIPT_NAME.exec(name);
  if (!match) return [`${path}: name it <kebab-name>-<key count>.lua (or -<n>+.lua for n or more keys)`];
  const keyCount = Number(match[1]);
  const source = readFileSync(path, 'utf8');
  const header = /^--\[\[([\s\S]*?)\]\]/.exec(source)?.[1];
  if (header === undefined) return [`${path}: start with a --[[ … ]] header (KEYS, ARGV, Returns)`];
  const problems = [];
  const listed = new Set([...header.matchAll(/KEYS\[(\d+)\]/g)].map((found) => Number(found[1])));
  for (let index = 1; index <= keyCount; index++) {
    if (!listed.has(index)) problems.push(`${path}: the header does not describe KEYS[${index}]`);
  }
  const beyond = [...listed].filter((index) => index > keyCount);
  if (match[2] === '' && beyond.length > 0) {
    problems.push(`${path}: the header describes KEYS[${beyond[0]}] but the name says ${keyCount} keys`);
  }
  if (match[2] === '+' && !header.includes(`KEYS[${keyCount + 1}…]`)) {
    problems.push(`${path}: a -${keyCount}+ script describes its extra keys as KEYS[${keyCount + 1}…]`);
  }
  if (!/\bARGV\b/.test(header))
    problems.push(`${path}: the header does not describe ARGV (say "ARGV: none")`);
  if (!/\bReturns\b/.test(header)) problems.push(`${path}: the header does not say what the script Returns`);
  return problems;
}

/** An include starts with a comment saying what it provides. @param {string} path */
function checkLuaInclude(path) {
  return readFileSync(path, 'utf8').startsWith('--') ? [] : [`${path}: start the include with a comment`];
}

const TEMPLATE_MARKER = /^\s*--\[\[ @([a-z]+)((?: [^\s\]]+)*) \]\](.*)$/;
const TEMPLATE_DIRECTIVES = ['fragment', 'script', 'each', 'insert', 'if', 'end'];

/** A template's markers (see the top of this file) are known and its blocks closed. @param {string} path */
export function checkLuaTemplateMarkers(path) {
  const problems = [];
  /** @type {number[]} lines of the blocks still open */
  const open = [];
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((line, index) => {
      const match = TEMPLATE_MARKER.exec(line);
      if (!match) return;
      const [, directive = '', , rest = ''] = match;
      if (!TEMPLATE_DIRECTIVES.includes(directive))
        problems.push(`${path}:${index + 1}: unknown template marker @${directive}`);
      else if (directive === 'end' && open.pop() === undefined)
        problems.push(`${path}:${index + 1}: @end closes no block`);
      else if (directive === 'each' || directive === 'if' || (directive === 'fragment' && rest === ''))
        open.push(index + 1);
    });
  for (const line of open) problems.push(`${path}:${line}: block not closed by --[[ @end ]]`);
  return problems;
}

function requireLuac() {
  try {
    execFileSync('luac5.1', ['-v'], { stdio: 'ignore' });
  } catch {
    throw new Error(
      '[tristack] [lua] luac5.1 not found: the Redis scripts are syntax-checked with Lua 5.1 (the version Redis runs). ' +
        'Install it with `bash scripts/lua-tools.sh` (Debian/Ubuntu: apt-get install lua5.1).',
    );
  }
}

/** `luac5.1 -p` of a chunk. @param {string} label @param {string} source @returns {string[]} */
function syntaxProblems(label, source) {
  try {
    execFileSync('luac5.1', ['-p', '-'], { input: source, stdio: ['pipe', 'ignore', 'pipe'] });
    return [];
  } catch (error) {
    const stderr = /** @type {{ stderr?: Buffer }} */ (error).stderr?.toString().trim() ?? String(error);
    return [`${label}: ${stderr.replace(/^luac5\.1: stdin:/, 'line ')}`];
  }
}

/** Every convention and syntax problem of the `.lua` files under `root`. @param {string} [root] */
export function lintLua(root = REPOSITORY_ROOT) {
  requireLuac();
  const problems = [];
  for (const path of findLuaFiles(root)) {
    const label = relative(REPOSITORY_ROOT, path);
    problems.push(...(isInclude(path) ? checkLuaInclude(path) : checkLuaScript(path)));
    problems.push(...checkLuaTemplateMarkers(path));
    // Each file alone, then each script as Redis receives it (includes expanded).
    problems.push(...syntaxProblems(label, readFileSync(path, 'utf8')));
    if (!isInclude(path)) problems.push(...syntaxProblems(`${label} (includes expanded)`, expandLua(path)));
  }
  return problems;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === 'lint') {
    let problems;
    try {
      problems = lintLua();
    } catch (error) {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    }
    for (const problem of problems) console.error(problem);
    if (problems.length > 0) process.exit(1);
    console.log(`[tristack] [lua] ${findLuaFiles().length} .lua files: headers and Lua 5.1 syntax OK`);
  } else {
    const written = generateLuaModules();
    console.log(
      `[tristack] [lua] ${findLuaScripts().length} scripts, ${written.length} modules (re)generated`,
    );
  }
}

/** Vitest global setup: the test run imports the generated modules, so they must exist and be fresh. */
export function setup() {
  generateLuaModules();
}
