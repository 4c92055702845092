// @ts-check
// A newcomer's run, scripted: the repository's packages packed once (what npm would serve), then, with plain npm
// in fresh folders outside the repository (no pnpm, no workspace links, no `@tristack/source` condition):
//   1. a new project installs exactly what docs/getting-started.md tells it to, and typechecks and runs that page's
//      programs (its `ts run` blocks with their `ts continued` blocks) against a real Redis;
//   2. examples/support-agent and examples/primitives are copied out and run with `npm start`, as a user copying
//      one would (their `@tristack/*` dependencies point at the tarballs instead of the registry).
// Prints the time of each phase and of the whole newcomer run (install → working agent). Needs `pnpm build` first.
//
//   pnpm newcomer                     REDIS_URL=… to use a running server; else it starts redis-server from PATH
//   (or TRISTACK_REDIS_SERVER) on a free loopback port.  TRISTACK_NEWCOMER_KEEP=1 keeps the folders.
// Runs with tsx: it reuses the docs test's block extractor (TypeScript), not a copy of it.
import { spawn, execFileSync } from 'node:child_process';
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
import { join } from 'node:path';
import { docsPrograms, typescriptBlocks } from '../../packages/testing/src/docs-blocks/code-blocks.ts';
import { spawnRedisServer } from '../../packages/testing/src/redis/server-process.ts';

const root = new URL('../../', import.meta.url).pathname;
const PAGE = 'docs/getting-started.md';
const EXAMPLES = [
  { folder: 'support-agent', env: {}, expect: /hash chain verified/ }, // in memory, fake Arcade, scripted model
  { folder: 'primitives', env: { redis: true }, expect: /audit chain valid: true/ },
];
const PROGRAM_TIMEOUT_MS = 120_000;
const npmFlags = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];

const started = performance.now();
/** @type {[string, number][]} */
const phases = [];
/** @template T @param {string} name @param {() => Promise<T> | T} work @returns {Promise<T>} */
async function phase(name, work) {
  const phaseStarted = performance.now();
  console.log(`[newcomer] ${name}…`);
  const result = await work();
  phases.push([name, performance.now() - phaseStarted]);
  return result;
}
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** @param {string} path */
const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));

/** The `npm install …` lines of the page's first `sh` block: what the page tells a user to install. */
function installLines(markdown) {
  const block = /```sh\n([\s\S]*?)```/.exec(markdown)?.[1] ?? '';
  const lines = block
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter((line) => /^npm (install|i) /.test(line));
  if (lines.length === 0)
    throw new Error(`[newcomer] ${PAGE} has no \`npm install\` line in its first sh block`);
  return lines.map((line) => line.split(/\s+/).slice(1)); // `install …`
}

/** `@tristack/*` names in `names` and, recursively, the `@tristack/*` packages they depend on. */
function withTristackDependencies(names) {
  const all = new Set();
  const visit = (name) => {
    if (!name.startsWith('@tristack/') || all.has(name)) return;
    all.add(name);
    const manifest = readJson(join(root, 'packages', name.slice('@tristack/'.length), 'package.json'));
    for (const dependency of Object.keys(manifest.dependencies ?? {})) visit(dependency);
  };
  names.forEach(visit);
  return [...all];
}

/** Packs each package once; returns name → tarball path. */
function pack(names, destination) {
  /** @type {Record<string, string>} */
  const tarballs = {};
  mkdirSync(destination, { recursive: true });
  for (const name of names) {
    const folder = join(root, 'packages', name.slice('@tristack/'.length));
    if (!existsSync(join(folder, 'dist')))
      throw new Error(`[newcomer] ${name} is not built: run \`pnpm build\` first (the tarball ships dist/)`);
    const out = execFileSync('pnpm', ['pack', '--pack-destination', destination], {
      cwd: folder,
      encoding: 'utf8',
    });
    tarballs[name] = out.trim().split('\n').pop() ?? '';
  }
  return tarballs;
}

/**
 * Every `@tristack/*` package npm installed in `project` must come from a tarball: a transitive one missing from
 * the tarballs would otherwise be fetched from the registry (another version, or someone else's package).
 * @param {string} project
 */
function checkFromTarballs(project) {
  const lock = readJson(join(project, 'package-lock.json'));
  const fromElsewhere = Object.entries(lock.packages ?? {}).filter(
    ([path, entry]) =>
      /(^|\/)node_modules\/@tristack\//.test(path) && !String(entry.resolved).startsWith('file:'),
  );
  if (fromElsewhere.length > 0)
    throw new Error(
      `[newcomer] not from the tarballs: ${fromElsewhere.map(([path, entry]) => `${path} (${entry.resolved})`).join(', ')}`,
    );
}

/** @param {string[]} args @param {string} cwd */
function npm(args, cwd) {
  execFileSync('npm', args, { cwd, stdio: 'inherit' });
}

/**
 * Runs `command args` in `cwd`; it must exit 0 by itself within the timeout (an open client or timer fails).
 * @param {string} command @param {string[]} args @param {string} cwd @param {NodeJS.ProcessEnv} env
 * @returns {Promise<string>} its output
 */
function runToExit(command, args, cwd, env) {
  return new Promise((resolve, reject) => {
    // Its own process group: npx → tsx → node, a kill on timeout must reach them all.
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    const collect = (chunk) => {
      output += chunk;
      process.stdout.write(chunk.toString().replace(/^(?=.)/gm, '    '));
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => {
      process.kill(-(child.pid ?? 0), 'SIGKILL');
      reject(
        new Error(`[newcomer] \`${command} ${args.join(' ')}\` did not exit within ${PROGRAM_TIMEOUT_MS} ms`),
      );
    }, PROGRAM_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`[newcomer] \`${command} ${args.join(' ')}\` in ${cwd} exited with ${code}`));
    });
  });
}

/** Every example must be copyable: registry ranges, not `workspace:`; scripts without the source condition. */
function checkExamplesCopyable() {
  const problems = [];
  for (const folder of readdirSync(join(root, 'examples'))) {
    const path = join(root, 'examples', folder, 'package.json');
    if (!existsSync(path)) continue;
    const manifest = readJson(path);
    for (const field of ['dependencies', 'devDependencies'])
      for (const [name, spec] of Object.entries(manifest[field] ?? {}))
        if (String(spec).startsWith('workspace:')) problems.push(`examples/${folder}: ${name}@${spec}`);
    for (const [name, script] of Object.entries(manifest.scripts ?? {}))
      if (String(script).includes('@tristack/source'))
        problems.push(`examples/${folder}: script ${name} needs the @tristack/source condition`);
  }
  if (problems.length > 0)
    throw new Error(`[newcomer] examples that cannot be copied out:\n  ${problems.join('\n  ')}`);
}

const work = mkdtempSync(join(tmpdir(), 'tristack-newcomer-'));
// Only registry and proxy settings reach npm: not pnpm's, nor a workspace's (npm_config_* from `pnpm run`).
const env = Object.fromEntries(
  Object.entries(process.env).filter(
    ([name]) =>
      !/^npm_config_/i.test(name) || /^npm_config_(registry|proxy|https_proxy|noproxy|cafile)$/i.test(name),
  ),
);
delete env.NODE_OPTIONS;
/** @type {import('../../packages/testing/src/redis/server-process.ts').SpawnedServer | undefined} */
let server;
try {
  checkExamplesCopyable();
  const markdown = readFileSync(join(root, PAGE), 'utf8');
  const installs = installLines(markdown);
  const exampleManifests = EXAMPLES.map(({ folder }) =>
    readJson(join(root, 'examples', folder, 'package.json')),
  );
  const names = withTristackDependencies([
    ...installs.flat(),
    ...exampleManifests.flatMap((manifest) => [
      ...Object.keys(manifest.dependencies ?? {}),
      ...Object.keys(manifest.devDependencies ?? {}),
    ]),
  ]);
  const tarballs = await phase(`pnpm pack ${names.length} packages`, () =>
    pack(names, join(work, 'tarballs')),
  );
  server = await phase('Redis', async () =>
    process.env.REDIS_URL ? undefined : spawnRedisServer(process.env.TRISTACK_REDIS_SERVER ?? 'redis-server'),
  );
  const redisUrl = process.env.REDIS_URL ?? server?.url ?? '';

  // 1. The getting-started page, in a new project.
  const project = join(work, 'my-agent');
  mkdirSync(project);
  const newcomerStarted = performance.now();
  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify({ name: 'my-agent', private: true, type: 'module' }, null, 2)}\n`,
  );
  await phase(`npm install (${PAGE} §1)`, () => {
    for (const args of installs)
      npm([...args.map((arg) => (tarballs[arg] ? `file:${tarballs[arg]}` : arg)), ...npmFlags], project);
    checkFromTarballs(project);
  });
  // What `npx tsc --init` would give a Node project, trimmed: strict, NodeNext.
  writeFileSync(
    join(project, 'tsconfig.json'),
    `${JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', strict: true, skipLibCheck: true, noEmit: true } }, null, 2)}\n`,
  );
  const programs = docsPrograms(typescriptBlocks(PAGE, markdown)).filter((program) => program.run);
  if (programs.length === 0) throw new Error(`[newcomer] ${PAGE} has no \`ts run\` block`);
  const files = programs.map((program, index) => {
    const file = `agent-${index + 1}.ts`;
    writeFileSync(
      join(project, file),
      `${program.blocks.map((block) => block.code).join('\n')}\nexport {};\n`,
    );
    return file;
  });
  await phase(`npx tsc (${files.length} programs of ${PAGE})`, () =>
    runToExit('npx', ['--no-install', 'tsc', '-p', '.'], project, env),
  );
  for (const file of files)
    await phase(`npx tsx ${file}`, () =>
      runToExit('npx', ['--no-install', 'tsx', file], project, { ...env, REDIS_URL: redisUrl }),
    );
  const newcomerMs = performance.now() - newcomerStarted;

  // 2. The examples, copied out of the repository.
  for (const [index, example] of EXAMPLES.entries()) {
    const copy = join(work, example.folder);
    cpSync(join(root, 'examples', example.folder), copy, {
      recursive: true,
      filter: (source) => !source.includes('node_modules'),
    });
    const manifest = exampleManifests[index];
    for (const field of ['dependencies', 'devDependencies'])
      for (const name of Object.keys(manifest[field] ?? {}))
        if (tarballs[name]) manifest[field][name] = `file:${tarballs[name]}`;
    writeFileSync(join(copy, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    await phase(`examples/${example.folder}: npm install`, () => {
      npm(['install', ...npmFlags], copy);
      checkFromTarballs(copy);
    });
    const output = await phase(`examples/${example.folder}: npm start`, () =>
      runToExit('npm', ['start', '--silent'], copy, {
        ...env,
        ...(example.env.redis ? { REDIS_URL: redisUrl } : {}),
      }),
    );
    if (!example.expect.test(output))
      throw new Error(`[newcomer] examples/${example.folder} printed no ${example.expect}`);
  }

  console.log('\n[newcomer] phases:');
  for (const [name, ms] of phases) console.log(`  ${seconds(ms).padStart(8)}  ${name}`);
  console.log(
    `[newcomer] getting-started agent working ${seconds(newcomerMs)} after its npm install began ` +
      `(install → typecheck → run); everything: ${seconds(performance.now() - started)}`,
  );
} finally {
  await server?.stop();
  if (!process.env.TRISTACK_NEWCOMER_KEEP) rmSync(work, { recursive: true, force: true });
  else console.log(`[newcomer] kept ${work}`);
}
