#!/usr/bin/env node
// @ts-check
// The README's quick start with nothing but Node and npm: `npm run demo` and `npm test` land here.
//
//   node scripts/bootstrap.mjs demo [demo args]    install, then run the support-agent demo (in memory, no servers)
//   node scripts/bootstrap.mjs test [vitest args]  install, provision the Redis and PostgreSQL servers, then `vitest run`
//   node scripts/bootstrap.mjs pnpm-dir            install the pinned pnpm and print the folder holding it
//
// Why not `npm i -g pnpm@10` + `pnpm install`: a pnpm other than the `packageManager` pin tries to switch to the
// pin and, on registries without npm signatures (and with corepack), refuses. So this script installs exactly the
// pinned pnpm with npm into a cache folder and runs that one. `pnpm demo` / `pnpm test` come here too, and reuse a
// pnpm on PATH when it already is the pin.
//
// Environment: TRISTACK_DRY_RUN=1        print each step instead of running it
//              TRISTACK_SKIP_SERVERS=1   `test` does not run scripts/redis-servers.sh nor scripts/postgres-server.sh
//                                        (bring your own servers)
//              DATABASE_URL              Postgres suites use this server (postgres-server.sh is not run)
//              XDG_CACHE_HOME            the pinned pnpm goes to $XDG_CACHE_HOME/tristack/ (default ~/.cache)
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const dryRun = process.env.TRISTACK_DRY_RUN === '1';
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const pnpmVersion = /^pnpm@(\d+\.\d+\.\d+)/.exec(manifest.packageManager ?? '')?.[1];
if (!pnpmVersion) fail('package.json has no "packageManager": "pnpm@x.y.z" pin');

/** Progress goes to stderr, so `pnpm-dir` prints nothing but the folder on stdout. @param {string} message */
function log(message) {
  console.error(`[bootstrap] ${message}`);
}

/** @param {string} message @returns {never} */
function fail(message) {
  log(message);
  process.exit(1);
}

function checkNode() {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 19))
    fail(
      `Node ${process.versions.node} is too old: Tristack needs Node >= 20.19 (see "engines" in package.json)`,
    );
}

/**
 * npm passes its own settings to scripts as npm_config_* variables; pnpm would read them as its settings too
 * (npm's prefix, cache, user agent…). Keep only the ones both mean the same way: registry and proxies.
 * @param {string} pnpmDir @returns {NodeJS.ProcessEnv}
 */
function childEnvironment(pnpmDir) {
  const shared = new Set(['registry', 'proxy', 'https_proxy', 'noproxy', 'strict_ssl', 'cafile']);
  /** @type {NodeJS.ProcessEnv} */
  const env = {};
  for (const [name, value] of Object.entries(process.env)) {
    const npmSetting = /^npm_config_(.+)$/i.exec(name)?.[1]?.toLowerCase();
    if (npmSetting !== undefined && !shared.has(npmSetting)) continue;
    env[name] = value;
  }
  // The pin is deliberate: no "update available" box.
  env.npm_config_update_notifier = 'false';
  // Scripts that call `pnpm` themselves (turbo, `pnpm bench`) find the pinned one first.
  if (pnpmDir) env.PATH = `${pnpmDir}${delimiter}${env.PATH ?? ''}`;
  return env;
}

/**
 * @param {string} command @param {string[]} args @param {NodeJS.ProcessEnv} [env]
 * @param {boolean} [quietStdout] send the command's stdout to stderr
 */
function run(command, args, env = process.env, quietStdout = false) {
  log(`$ ${[command, ...args].join(' ')}`);
  if (dryRun) return;
  const result = spawnSync(command, args, { cwd: root, stdio: quietStdout ? [0, 2, 2] : 'inherit', env });
  if (result.error) fail(`could not start ${command}: ${result.error.message}`);
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/** @param {string} command @returns {string | undefined} the version the command prints, if it runs */
function versionOf(command) {
  // A corepack shim must neither prompt nor hang: on any trouble this is "not the pin", and we bring our own.
  const env = { ...childEnvironment(''), COREPACK_ENABLE_DOWNLOAD_PROMPT: '0' };
  const result = spawnSync(command, ['--version'], { encoding: 'utf8', env, stdio: 'pipe', timeout: 60_000 });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/** @returns {string} the folder whose `pnpm` is the pinned version ('' when the one on PATH is) */
function ensurePnpm() {
  if (versionOf('pnpm') === pnpmVersion) return '';
  const cacheHome = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  const prefix = join(cacheHome, 'tristack', `pnpm-${pnpmVersion}`);
  const binDir = join(prefix, 'node_modules', '.bin');
  if (!existsSync(join(binDir, 'pnpm'))) {
    log(`installing pnpm ${pnpmVersion} (the packageManager pin) into ${prefix}`);
    const args = [
      'install',
      '--prefix',
      prefix,
      '--no-fund',
      '--no-audit',
      '--loglevel=error',
      `pnpm@${pnpmVersion}`,
    ];
    run('npm', args, process.env, true);
  }
  return binDir;
}

/** pnpm keeps a copy of the lockfile it installed from; when that is not older than the lockfile, skip. */
function isInstalled() {
  const installed = join(root, 'node_modules', '.pnpm', 'lock.yaml');
  if (!existsSync(installed) || !existsSync(join(root, 'node_modules', '.modules.yaml'))) return false;
  return statSync(installed).mtimeMs >= statSync(join(root, 'pnpm-lock.yaml')).mtimeMs;
}

/** @param {string} pnpmDir */
function ensureInstalled(pnpmDir) {
  if (isInstalled()) {
    log('dependencies are up to date with pnpm-lock.yaml');
    return;
  }
  run(pnpmCommand(pnpmDir), ['install', '--frozen-lockfile'], childEnvironment(pnpmDir));
}

/** @param {string} pnpmDir */
function pnpmCommand(pnpmDir) {
  return pnpmDir ? join(pnpmDir, 'pnpm') : 'pnpm';
}

function provisionServers() {
  if (process.env.TRISTACK_SKIP_SERVERS === '1') {
    log('TRISTACK_SKIP_SERVERS=1: using the servers the harness finds (see README, "Development")');
    return;
  }
  if (process.platform !== 'linux' || versionOf('apt-get') === undefined) {
    log(
      'not Debian/Ubuntu: not provisioning servers; the harness uses redis-server on PATH or Docker, ' +
        'and prints NOT RUN for the server kinds it cannot find',
    );
    return;
  }
  run('bash', ['scripts/redis-servers.sh', 'install']);
  // The Postgres suites start a throwaway cluster with Debian's initdb/pg_ctl; with DATABASE_URL they use that server.
  if (!process.env.DATABASE_URL) run('bash', ['scripts/postgres-server.sh', 'install']);
}

checkNode();
const [command, ...rest] = process.argv.slice(2);
switch (command) {
  case 'demo': {
    const pnpmDir = ensurePnpm();
    ensureInstalled(pnpmDir);
    // The example's `start` is plain `tsx src/main.ts`, as in a copy of it outside the repository. Here the
    // `@tristack/source` condition makes its `@tristack/*` imports resolve to the workspace sources: no build needed.
    const env = childEnvironment(pnpmDir);
    env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ''} --conditions=@tristack/source`.trim();
    run(
      pnpmCommand(pnpmDir),
      ['--silent', '--filter', '@tristack/example-support-agent', 'run', 'start', ...rest],
      env,
    );
    break;
  }
  case 'test': {
    const pnpmDir = ensurePnpm();
    ensureInstalled(pnpmDir);
    provisionServers();
    // Tests import the packages' sources (the `@tristack/source` condition): no build needed.
    run(pnpmCommand(pnpmDir), ['exec', 'vitest', 'run', ...rest], childEnvironment(pnpmDir));
    break;
  }
  case 'pnpm-dir': {
    const pnpmDir = ensurePnpm();
    console.log(pnpmDir || dirname(spawnSync('which', ['pnpm'], { encoding: 'utf8' }).stdout.trim()));
    break;
  }
  default:
    fail(`unknown command ${JSON.stringify(command)}: use demo, test or pnpm-dir`);
}
