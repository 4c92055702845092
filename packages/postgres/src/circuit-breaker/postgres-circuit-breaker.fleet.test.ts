import { fileURLToPath } from 'node:url';
import { spawnNodeWorker, type NodeWorker } from '@tristack/testing/fleet';
import { requiresPostgres, usePostgres } from '@tristack/testing/postgres';
import { beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../migrate.js';
import { PostgresCircuitBreaker } from './postgres-circuit-breaker.js';

const WORKER = fileURLToPath(new URL('./postgres-circuit-breaker.fleet-worker.ts', import.meta.url));
const PROCESSES = 4;

describe.runIf(requiresPostgres('PostgresCircuitBreaker fleet'))(
  'PostgresCircuitBreaker across processes',
  () => {
    const postgres = usePostgres();
    beforeAll(async () => {
      await migrate(postgres.pool, { primitives: ['circuit-breaker'] });
    });

    it(`a trip in one process reaches ${PROCESSES} others through NOTIFY, and they reject at once`, async () => {
      const workers: NodeWorker[] = [];
      const breaker = new PostgresCircuitBreaker({
        pool: postgres.pool,
        consecutiveFailures: 3,
        openMs: 60_000,
      });
      try {
        for (let index = 0; index < PROCESSES; index++)
          workers.push(spawnNodeWorker(WORKER, [postgres.url, 'fleet']));
        await Promise.all(workers.map((worker) => worker.waitForLine('ready', 60_000)));
        for (let call = 0; call < 3; call++)
          await breaker.execute('fleet', () => Promise.reject(new Error('down'))).catch(() => undefined);
        expect((await breaker.getState('fleet')).state).toBe('open');
        for (const worker of workers) {
          expect(await worker.waitForLine('heard open', 30_000)).toBe('heard open');
          expect(await worker.waitForLine(/^admitted /, 30_000)).toBe('admitted false');
        }
      } finally {
        await breaker.close();
        for (const worker of workers) worker.process.stdin?.end();
        await Promise.all(workers.map((worker) => worker.exited(10_000).catch(() => worker.kill())));
      }
    }, 120_000);
  },
);
