import { fileURLToPath } from 'node:url';
import { RedisCircuitBreaker } from '@tristack/redis';
import { spawnNodeWorker, type NodeWorker } from '@tristack/testing/fleet';
import { useRedis } from '@tristack/testing/redis';
import { describe, expect, it } from 'vitest';

const WORKER = fileURLToPath(new URL('./production-middleware-worker.fixture.ts', import.meta.url));

describe('productionMiddleware across Node processes (Redis drivers)', () => {
  const redis = useRedis();
  const start = (args: string[]) =>
    spawnNodeWorker(WORKER, args, {
      env: {
        FLEET_REDIS_URL: redis.url,
        FLEET_REDIS_DATABASE: String(redis.database),
        FLEET_PREFIX: redis.prefix,
      },
    });
  async function withWorkers<T>(workers: NodeWorker[], run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } finally {
      await Promise.all(workers.map((worker) => worker.kill()));
    }
  }

  it(
    'admits exactly the shared limit fleet-wide: 4 processes × 10 calls under 15 requests per hour',
    { timeout: 120_000 },
    async () => {
      const [processes, callsEach, limit] = [4, 10, 15];
      const workers = Array.from({ length: processes }, () =>
        start(['calls', String(callsEach), String(limit)]),
      );
      await withWorkers(workers, async () => {
        await Promise.all(workers.map((worker) => worker.waitForLine(/^ready$/, 60_000)));
        for (const worker of workers) worker.send('go'); // all race on the same window
        const reports = await Promise.all(workers.map((worker) => worker.waitForLine(/^done /, 60_000)));
        const counts = reports.map(
          (line) => line.split(' ').slice(1).map(Number) as [number, number, number],
        );
        const sum = (index: number) => counts.reduce((total, count) => total + count[index]!, 0);
        expect({ admitted: sum(0), denied: sum(1), modelCalls: sum(2) }).toEqual({
          admitted: limit,
          denied: processes * callsEach - limit,
          modelCalls: limit, // a denied call never reached the model, in any process
        });
        // Each process saw its own admissions reach the model, and no other calls.
        for (const [admitted, , modelCalls] of counts) expect(modelCalls).toBe(admitted);
      });
    },
  );

  it(
    'a breaker tripped by one process rejects the calls of the others without calling their model',
    { timeout: 120_000 },
    async () => {
      const tripper = start(['trip', 'gpt-x']);
      await withWorkers([tripper], async () => {
        expect(await tripper.waitForLine(/^tripped /, 60_000)).toBe('tripped open');
      });
      const others = [start(['call', 'gpt-x']), start(['call', 'gpt-x'])];
      await withWorkers(others, async () => {
        const outcomes = await Promise.all(
          others.map((worker) => worker.waitForLine(/^(answered|rejected) /, 60_000)),
        );
        expect(outcomes).toEqual(['rejected CIRCUIT_OPEN 0', 'rejected CIRCUIT_OPEN 0']);
      });
      // Another model's breaker is its own: a process calling it is answered.
      const unrelated = start(['call', 'gpt-y']);
      await withWorkers([unrelated], async () => {
        expect(await unrelated.waitForLine(/^(answered|rejected) /, 60_000)).toBe('answered 1');
      });
      const breaker = new RedisCircuitBreaker({ client: redis.client, prefix: redis.prefix });
      expect((await breaker.getState('model:gpt-x')).state).toBe('open');
      await breaker.close();
    },
  );
});
