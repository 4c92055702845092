import { fileURLToPath } from 'node:url';
import type { RateLimitRuleInput } from '@tristack/core';
import { spawnNodeWorker, type NodeWorker } from '@tristack/testing/fleet';
import { requiresPostgres, usePostgres } from '@tristack/testing/postgres';
import { beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../migrate.js';
import { PostgresRateLimiter } from './postgres-rate-limiter.js';

const WORKER = fileURLToPath(new URL('./postgres-rate-limiter.fleet-worker.ts', import.meta.url));
const PROCESSES = 8;
/** Long enough that a token bucket refills nothing measurable during a test. */
const FOREVER = 400 * 86_400_000;

const hotKeyRules: Record<string, RateLimitRuleInput> = {
  'sliding-window': { name: 'rpm', algorithm: 'sliding-window', limit: 500, windowMs: 600_000 },
  'fixed-window': {
    name: 'rpm',
    algorithm: 'fixed-window',
    limit: 500,
    windowMs: 600_000,
    anchor: 'first-hit',
  },
  'token-bucket': { name: 'rpm', algorithm: 'token-bucket', limit: 500, windowMs: FOREVER },
};

describe.runIf(requiresPostgres('PostgresRateLimiter fleet'))(
  `PostgresRateLimiter under a fleet of ${PROCESSES} processes`,
  () => {
    const postgres = usePostgres();
    beforeAll(async () => {
      await migrate(postgres.pool, { primitives: ['rate-limiter'] });
    });

    it.each(Object.keys(hotKeyRules))(
      '%s: 8 processes x 125 calls on one key, limit 500: exactly 500 admitted',
      async (algorithm) => {
        const limiter = { name: `fleet-${algorithm}`, limits: [hotKeyRules[algorithm]!] };
        const workers: NodeWorker[] = [];
        try {
          for (let index = 0; index < PROCESSES; index++)
            workers.push(spawnNodeWorker(WORKER, [postgres.url, JSON.stringify(limiter), '125']));
          const reports = await Promise.all(
            workers.map(async (worker) => {
              expect(await worker.exited(90_000)).toBe(0);
              return JSON.parse(worker.lines.at(-1)!) as {
                admitted: number;
                denied: number;
                unavailable: number;
              };
            }),
          );
          expect(reports.reduce((sum, report) => sum + report.unavailable, 0)).toBe(0);
          expect(reports.reduce((sum, report) => sum + report.admitted, 0)).toBe(500);
          expect(reports.reduce((sum, report) => sum + report.denied, 0)).toBe(500);
          const state = await new PostgresRateLimiter({ ...limiter, pool: postgres.pool }).peek('hot');
          expect(state.allowed).toBe(false);
        } finally {
          await Promise.all(workers.map((worker) => worker.kill()));
        }
      },
      120_000,
    );
  },
);
