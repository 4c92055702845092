import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';
import { findServerSource, HOW_TO_GET_SERVERS } from './packages/testing/src/redis/server-kinds.js';
import { SummaryLineReporter } from './packages/testing/src/vitest-reporter/index.js';

// Suites that talk to Redis run once per available server kind: the default server (Redis 7 in CI),
// Redis 8 and Valkey 8. Everything else (in-memory drivers, adapters, examples) runs once.
const REDIS_SUITES = [
  'packages/redis/src/**/*.test.ts',
  'packages/langgraph-redis/src/**/*.test.ts',
  'packages/testing/src/redis/**/*.test.ts',
  'packages/langchain/src/**/*.test.ts',
];
const EXCLUDED = ['**/node_modules/**', '**/dist/**', '**/*.cluster.test.ts'];

const extraKinds = (['redis8', 'valkey8'] as const).filter((kind) => {
  if (findServerSource(kind)) return true;
  console.warn(`[tristack] ${kind} suites NOT RUN: no server found; ${HOW_TO_GET_SERVERS}`);
  return false;
});
process.env.TRISTACK_TEST_SERVER_KINDS = ['default', ...extraKinds, 'cluster'].join(',');

const shared = { extends: true as const };
const projects: TestProjectInlineConfiguration[] = [
  {
    ...shared,
    test: {
      name: 'default',
      include: ['packages/*/src/**/*.test.ts', 'examples/*/src/**/*.test.ts', 'bench/src/**/*.test.ts'],
      exclude: EXCLUDED,
      env: { TRISTACK_TEST_REDIS_KIND: 'default' },
    },
  },
  ...extraKinds.map((kind) => ({
    ...shared,
    test: { name: kind, include: REDIS_SUITES, exclude: EXCLUDED, env: { TRISTACK_TEST_REDIS_KIND: kind } },
  })),
  { ...shared, test: { name: 'cluster', include: ['packages/*/src/**/*.cluster.test.ts'] } },
];

export default defineConfig({
  resolve: { conditions: ['@tristack/source'] },
  ssr: { resolve: { conditions: ['@tristack/source'] } },
  test: {
    globalSetup: [
      './internal/build/lua.js',
      './packages/testing/src/redis-global-setup/index.ts',
      './packages/testing/src/postgres-global-setup/index.ts',
    ],
    projects,
    reporters: ['default', new SummaryLineReporter()],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
