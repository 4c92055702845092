// @ts-check
// Packs every public @tristack package, installs the tarballs into a clean folder with npm,
// then `require`s and `import`s each subpath: what a user gets from the registry, not the workspace.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../../packages/', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'tristack-smoke-'));
const tarballs = [];
/** @type {{ name: string, subpaths: string[], bins: string[] }[]} */
const packages = [];
for (const dir of readdirSync(root)) {
  const manifestPath = join(root, dir, 'package.json');
  if (!existsSync(manifestPath)) continue;
  const pkg = JSON.parse(readFileSync(manifestPath, 'utf8'));
  if (pkg.private) continue;
  const out = execFileSync('pnpm', ['pack', '--pack-destination', work], {
    cwd: join(root, dir),
    encoding: 'utf8',
  });
  tarballs.push(out.trim().split('\n').pop());
  packages.push({
    name: pkg.name,
    subpaths: Object.keys(pkg.exports).filter((key) => key !== './package.json'),
    bins: Object.keys(pkg.bin ?? {}),
  });
}
const app = join(work, 'app');
execFileSync('mkdir', ['-p', app]);
writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'smoke', private: true, version: '0.0.0' }));
console.log(`[smoke] installing ${tarballs.length} tarballs into ${app}`);
// vitest and the OpenTelemetry SDK are optional peers of @tristack/testing (npm skips them): its harness and
// suites need vitest, its `/otel` subpath the SDK too, so a user of those installs them, as this app does.
const optionalPeers = [
  'vitest@^4',
  '@opentelemetry/api@^1.9.0',
  '@opentelemetry/context-async-hooks@^2.2.0',
  '@opentelemetry/sdk-metrics@^2.2.0',
  '@opentelemetry/sdk-trace-base@^2.2.0',
];
execFileSync(
  'npm',
  ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs.map(String), ...optionalPeers],
  {
    cwd: app,
    stdio: 'inherit',
  },
);
let failures = 0;
for (const { name, subpaths } of packages) {
  for (const subpath of subpaths) {
    const specifier = subpath === '.' ? name : `${name}/${subpath.slice(2)}`;
    for (const [kind, code] of [
      [
        'require',
        `const m = require(${JSON.stringify(specifier)}); if (!Object.keys(m).length) throw new Error('no exports');`,
      ],
      [
        'import',
        `const m = await import(${JSON.stringify(specifier)}); if (!Object.keys(m).length) throw new Error('no exports');`,
      ],
    ]) {
      try {
        execFileSync('node', kind === 'import' ? ['--input-type=module', '-e', code] : ['-e', code], {
          cwd: app,
          stdio: 'pipe',
        });
        console.log(`[smoke] ok   ${kind.padEnd(7)} ${specifier}`);
      } catch (error) {
        const stderr = String(/** @type {any} */ (error).stderr);
        // Vitest-bound helpers (conformance suites, the Redis harness) cannot be required: Vitest is ESM-only.
        if (kind === 'require' && /Vitest cannot be imported in a CommonJS module/.test(stderr)) {
          console.log(`[smoke] n/a  require ${specifier} (depends on vitest, which is ESM-only)`);
          continue;
        }
        failures++;
        console.error(`[smoke] FAIL ${kind.padEnd(7)} ${specifier}\n${stderr}`);
      }
    }
  }
}
// A command-line package (no library entries) must still run from the registry tarball.
for (const { bins } of packages) {
  for (const bin of bins) {
    try {
      execFileSync(join(app, 'node_modules', '.bin', bin), ['--help'], { cwd: app, stdio: 'pipe' });
      console.log(`[smoke] ok   bin     ${bin} --help`);
    } catch (error) {
      failures++;
      console.error(`[smoke] FAIL bin     ${bin} --help\n${String(/** @type {any} */ (error).stderr)}`);
    }
  }
}
if (!process.env.TRISTACK_SMOKE_KEEP) rmSync(work, { recursive: true, force: true });
if (failures > 0) {
  console.error(`[smoke] ${failures} failed`);
  process.exit(1);
}
console.log('[smoke] every packed package loads with require and import');
