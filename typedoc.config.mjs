// @ts-check
// The API reference (`pnpm docs:api` → api-docs/, git-ignored): one entry point per subpath of each public package's
// exports map, read from the package.json files so a new package or subpath is documented without editing this.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** @returns {string[]} the source file of every documented subpath of every public package */
function publicEntryPoints() {
  return readdirSync('packages').flatMap((folder) => {
    const manifestPath = join('packages', folder, 'package.json');
    if (!existsSync(manifestPath)) return [];
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    if (manifest.private) return [];
    return Object.values(manifest.exports ?? {})
      .map((target) => (typeof target === 'object' ? target['@tristack/source'] : undefined))
      .filter((source) => typeof source === 'string')
      .map((source) => join('packages', folder, source));
  });
}

/**
 * The reflection names of the keys of `z.enum([...]).enum` objects inside exported zod schemas.
 * @param {Record<string, Record<string, string[]>>} schemas @returns {string[]}
 */
function zodEnumKeys(schemas) {
  return Object.entries(schemas).flatMap(([schema, fields]) =>
    Object.entries(fields).flatMap(([field, keys]) =>
      keys.map((key) => `${schema}.__type.${field}.__type.${key}`),
    ),
  );
}

/** @type {Partial<import('typedoc').TypeDocOptions>} */
const config = {
  name: 'Tristack API reference',
  entryPoints: publicEntryPoints(),
  entryPointStrategy: 'resolve',
  plugin: ['./internal/build/typedoc-module-names.js'],
  // The sources without tests; type errors are `pnpm typecheck`'s job, not this one's.
  tsconfig: 'tsconfig.api-docs.json',
  skipErrorChecking: true,
  // No links into a git remote: the reference must build from any checkout, tarball or fork.
  disableSources: true,
  out: 'api-docs',
  readme: 'none',
  excludePrivate: true,
  excludeInternal: true,
  // Re-exported third-party types (e.g. TelemetrySpan is OpenTelemetry's Span) link to their own docs instead of being
  // copied here with comments whose links only resolve in their home project.
  excludeExternals: true,
  externalSymbolLinkMappings: Object.fromEntries(
    [
      '@langchain/core',
      '@langchain/langgraph',
      '@langchain/langgraph-checkpoint',
      '@opentelemetry/api',
      '@opentelemetry/sdk-metrics',
      '@opentelemetry/sdk-trace-base',
      'redis',
      'zod',
    ]
      .map((name) => [name, { '*': `https://www.npmjs.com/package/${name}` }])
      .concat([['@types/node', { '*': 'https://nodejs.org/api/' }]]),
  ),
  treatWarningsAsErrors: true,
  // Every exported name, member and option has a doc comment; broken {@link}s fail too.
  validation: { notExported: true, invalidLink: true, rewrittenLink: true, notDocumented: true },
  // The keys of `z.enum([...]).enum` objects TypeScript infers for exported zod schemas: no place for a comment.
  intentionallyNotDocumented: zodEnumKeys({
    '@tristack/core/calibration.labelledPairSchema': { label: ['near-miss', 'paraphrase'] },
    '@tristack/core/driver-kit.storeRateLimiterOptionsSchema': {
      failurePolicy: ['fail-open', 'fail-closed'],
    },
    '@tristack/core/driver-kit.sharedCircuitBreakerOptionsSchema': {
      onBackendUnavailable: ['local', 'reject', 'allow'],
    },
    '@tristack/core/driver-kit.auditQuerySchema': {
      layer: ['tool', 'orchestration', 'state'],
      order: ['asc', 'desc'],
    },
  }),
};

export default config;
