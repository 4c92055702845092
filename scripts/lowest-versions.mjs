#!/usr/bin/env node
// @ts-check
// Proves the lower bounds of the adapters' peer ranges: installs the LOWEST versions the peerDependencies allow and
// runs the adapter suites against them (the default server project only).
//
//   node scripts/lowest-versions.mjs [--keep]      --keep leaves the temporary copy in place and prints its path
//
// How: the repository's files (tracked and not ignored) are copied to a temporary folder, whose root package.json
// gets pnpm `overrides` pinning every floored peer to its lowest version; the pinned pnpm installs there (the
// lockfile is re-resolved only where an override changes it) and vitest runs the suites. The harness starts the
// servers as in `npm test` (redis-server on PATH, or REDIS_URL…). The working copy is never touched.
//
// The floors are read from the ranges, never written here: `^1.2.39` → 1.2.39; `^5.2.5 || ^6.0.0` → 5.2.5 in the
// run taking the lowest alternatives, 6.0.0 in the one taking the highest. A run takes, for each peer, the highest floor among its packages,
// so every package of the run gets a version its range allows. A floor that fails here is raised in the range to
// the lowest version that passes, and docs/compatibility.md says why.
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));

/**
 * The peers whose floors are installed. Not floored: zod (also a regular dependency of @tristack/core, so npm
 * would nest a second copy rather than use the floor), vitest and testcontainers (@tristack/testing's optional
 * test-runner peers) and the @tristack packages themselves.
 */
const FLOORED_PEERS = [
  'langchain',
  '@langchain/core',
  '@langchain/langgraph',
  '@langchain/langgraph-checkpoint',
  'redis',
  '@redis/search',
  'ioredis',
];

/**
 * Suites left to `npm test`: `.cluster` runs only on the cluster project, `.fleet` races worker processes on one
 * server (what it tests does not depend on the client's version, and it is the slowest).
 */
const EXCLUDED_SUFFIXES = ['.fleet.test.ts', '.cluster.test.ts'];

/**
 * Each run: the packages whose ranges set the floors and whose suites run, and which alternative of a range with
 * several (`^5.2.5 || ^6.0.0`) it installs. Together they install every floor of every adapter: first
 * @tristack/langchain's floors with the lowest alternatives, then @tristack/langgraph-redis's (its LangGraph floor
 * is above @tristack/langchain's, so one run for both would not install the latter's) with the highest ones.
 * @type {{ packages: string[], alternative: 'lowest' | 'highest' }[]}
 */
const RUNS = [
  { packages: ['langchain', 'redis'], alternative: 'lowest' },
  { packages: ['langgraph-redis', 'redis'], alternative: 'highest' },
];

const keep = process.argv.includes('--keep');

/** @param {string} message */
function log(message) {
  console.log(`[lowest-versions] ${message}`);
}

/** @param {string} message @returns {never} */
function fail(message) {
  console.error(`[lowest-versions] ${message}`);
  process.exit(1);
}

/** @param {string} path */
function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** @param {string} version @returns {number[]} */
function parts(version) {
  return version.split('.').map(Number);
}

/** @param {string} a @param {string} b */
function compareVersions(a, b) {
  const [x, y] = [parts(a), parts(b)];
  for (let index = 0; index < 3; index++) {
    const difference = (x[index] ?? 0) - (y[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/**
 * The floor of a range's lowest or highest alternative. Only the shapes the manifests use: `^x.y.z`, `~x.y.z`,
 * `>=x.y.z`, `x.y.z`, joined by `||`.
 * @param {string} range @param {'lowest' | 'highest'} alternative
 */
function floorOf(range, alternative) {
  const floors = range.split('||').map((part) => {
    const match = /^\s*(?:\^|~|>=)?\s*(\d+\.\d+\.\d+)\s*$/.exec(part);
    if (!match?.[1]) fail(`cannot read the floor of the range ${JSON.stringify(range)}`);
    return match[1];
  });
  const sorted = floors.sort(compareVersions);
  return (alternative === 'lowest' ? sorted[0] : sorted.at(-1)) ?? fail(`empty range ${range}`);
}

/** @param {typeof RUNS[number]} run @returns {Record<string, string>} */
function floorsOf(run) {
  /** @type {Record<string, string>} */
  const floors = {};
  for (const folder of run.packages) {
    const peers = readJson(join(root, 'packages', folder, 'package.json')).peerDependencies ?? {};
    for (const [name, range] of Object.entries(peers)) {
      if (!FLOORED_PEERS.includes(name)) continue;
      const floor = floorOf(String(range), run.alternative);
      if (!floors[name] || compareVersions(floor, floors[name]) > 0) floors[name] = floor;
    }
  }
  return floors;
}

/** The test files of a package, relative to the root. @param {string} folder @returns {string[]} */
function suitesOf(folder) {
  const source = join('packages', folder, 'src');
  return readdirSync(join(root, source), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.test.ts') && !EXCLUDED_SUFFIXES.some((suffix) => file.endsWith(suffix)))
    .map((file) => join(source, file))
    .sort();
}

/**
 * Runs a command in the copy; output goes straight through.
 * @param {string} cwd @param {string} command @param {string[]} args @param {NodeJS.ProcessEnv} env
 */
function run(cwd, command, args, env) {
  log(`$ ${[command, ...args].join(' ')}`);
  const result = spawnSync(command, args, { cwd, stdio: 'inherit', env });
  if (result.error) fail(`could not start ${command}: ${result.error.message}`);
  return result.status === 0;
}

/** The pinned pnpm's folder, installed by the bootstrap if it is missing. */
function pinnedPnpm() {
  const result = spawnSync(process.execPath, [join(root, 'scripts', 'bootstrap.mjs'), 'pnpm-dir'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (result.status !== 0) fail('scripts/bootstrap.mjs pnpm-dir failed');
  return join(result.stdout.trim(), 'pnpm');
}

/** Tracked files and new files not ignored, as in a clean clone with the working changes. @param {string} copy */
function copyRepository(copy) {
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (listed.status !== 0) fail(`git ls-files failed: ${listed.stderr}`);
  let count = 0;
  for (const file of listed.stdout.split('\0')) {
    // A file deleted in the working tree is still listed as tracked.
    if (!file || !existsSync(join(root, file))) continue;
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    cpSync(join(root, file), join(copy, file));
    count++;
  }
  log(`copied ${count} files to ${copy}`);
}

/**
 * What each tested package really resolves, so an override that did not apply cannot pass unnoticed.
 * @param {string} copy @param {string[]} packages @param {Record<string, string>} floors @returns {string[]}
 */
function resolutionErrors(copy, packages, floors) {
  const errors = [];
  for (const folder of packages) {
    for (const [name, floor] of Object.entries(floors)) {
      const manifest = join(copy, 'packages', folder, 'node_modules', name, 'package.json');
      if (!existsSync(manifest)) continue; // not a dependency of this package's tests
      const installed = readJson(manifest).version;
      if (installed !== floor) errors.push(`packages/${folder} resolves ${name}@${installed}, not ${floor}`);
    }
  }
  return errors;
}

/**
 * @param {string} copy @param {string} pnpm @param {typeof RUNS[number]} spec
 * @returns {{ name: string, floors: Record<string, string>, passed: boolean, seconds: number }}
 */
function runOne(copy, pnpm, spec) {
  const started = Date.now();
  const floors = floorsOf(spec);
  log(
    `--- ${spec.packages.join(' + ')}: ${Object.entries(floors)
      .map(([name, version]) => `${name}@${version}`)
      .join(', ')}`,
  );
  const manifestPath = join(copy, 'package.json');
  const manifest = readJson(manifestPath);
  manifest.pnpm = { ...manifest.pnpm, overrides: floors };
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);

  const env = { ...process.env, PATH: `${dirname(pnpm)}:${process.env.PATH ?? ''}`, CI: 'true' };
  // The floors pair with older peers than the workspace's dev versions (e.g. an older @langchain/core under the
  // newest langchain of another package): peer warnings are expected, not fatal.
  const installed = run(
    copy,
    pnpm,
    [
      'install',
      '--no-frozen-lockfile',
      '--prefer-offline',
      '--config.strict-peer-dependencies=false',
      '--reporter=append-only',
    ],
    env,
  );
  const errors = installed ? resolutionErrors(copy, spec.packages, floors) : ['pnpm install failed'];
  for (const error of errors) console.error(`[lowest-versions] ${error}`);
  const passed =
    errors.length === 0 &&
    run(
      copy,
      pnpm,
      [
        'exec',
        'vitest',
        'run',
        '--project',
        'default',
        // File names, not folders: the projects' own `exclude` would override a command-line one.
        ...spec.packages.flatMap(suitesOf),
      ],
      env,
    );
  return {
    name: spec.packages.join(' + '),
    floors,
    passed,
    seconds: Math.round((Date.now() - started) / 1000),
  };
}

const pnpm = pinnedPnpm();
const copy = mkdtempSync(join(tmpdir(), 'tristack-lowest-'));
const started = Date.now();
const results = [];
try {
  copyRepository(copy);
  for (const spec of RUNS) results.push(runOne(copy, pnpm, spec));
} finally {
  if (keep) log(`kept ${copy}`);
  else rmSync(copy, { recursive: true, force: true });
}
log(`=== summary (${Math.round((Date.now() - started) / 1000)} s)`);
for (const result of results) {
  const versions = Object.entries(result.floors).map(([name, version]) => `${name}@${version}`);
  log(`${result.passed ? 'PASS' : 'FAIL'} ${result.name} (${result.seconds} s): ${versions.join(', ')}`);
}
if (results.some((result) => !result.passed)) process.exit(1);
