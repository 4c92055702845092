import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { spawnNodeWorker } from '@tristack/testing/fleet';
import { useRedis } from '@tristack/testing/redis';
import { RedisCircuitBreaker } from './redis-circuit-breaker.js';

const redis = useRedis();
const WORKER = fileURLToPath(new URL('./circuit-breaker-worker.fixture.ts', import.meta.url));

const PROBE_TTL_MS = 1_500;
const POLICY = {
  failureRateThreshold: 0.5,
  minimumCalls: 8,
  windowMs: 30_000,
  consecutiveFailures: null,
  openMs: 1_000,
  halfOpenProbes: 2,
  probeTtlMs: PROBE_TTL_MS,
  // On a loaded test machine a slow reply must not switch a worker to its local fallback.
  backendTimeoutMs: 5_000,
};

/** Polls until `check` holds, or fails after `timeoutMs`. */
async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not reached within ${timeoutMs} ms`);
    await sleep(20);
  }
}

/** A worker process with a request/answer protocol over its stdin/stdout lines. */
function startWorker(index: number) {
  const process = spawnNodeWorker(WORKER, [], {
    env: {
      FLEET_REDIS_URL: redis.url,
      FLEET_REDIS_DATABASE: String(redis.database),
      FLEET_PREFIX: redis.prefix,
      FLEET_POLICY: JSON.stringify(POLICY),
      FLEET_WORKER: String(index),
    },
  });
  let nextId = 0;
  return {
    process,
    async send<T extends object>(command: object, timeoutMs = 15_000): Promise<T> {
      const id = nextId++;
      process.send(JSON.stringify({ id, ...command }));
      const answer = JSON.parse(await process.waitForLine(new RegExp(`^\\{"id":${id},`), timeoutMs)) as {
        ok: boolean;
        error?: string;
      };
      if (!answer.ok) throw new Error(`fleet worker ${index}: ${answer.error}`);
      return answer as unknown as T;
    },
  };
}

describe('RedisCircuitBreaker shared by a fleet of 4 Node processes', () => {
  it(
    'opens on the fleet’s failures, rejects everywhere within 100 ms, admits exactly halfOpenProbes probes, survives a SIGKILLed prober',
    { timeout: 90_000 },
    async () => {
      const name = 'provider:fleet';
      const workers = [0, 1, 2, 3].map(startWorker);
      const observer = new RedisCircuitBreaker({ ...POLICY, client: redis.client, prefix: redis.prefix });
      try {
        const ready = await Promise.all(
          workers.map((worker) => worker.send<{ subscribed: boolean }>({ op: 'ready' }, 60_000)),
        );
        expect(ready.map((each) => each.subscribed)).toEqual([true, true, true, true]);

        // Every worker keeps calling; each reports 2 failures. No single process saw enough to
        // trip it (minimumCalls 8): only the fleet's total does, on the 8th failure.
        const watching = workers.map((worker) =>
          worker.send<{ rejectedAt: number | null; reason: string }>(
            { op: 'watch', name, timeoutMs: 20_000 },
            30_000,
          ),
        );
        for (const worker of workers) {
          expect(await worker.send<{ rejected: number }>({ op: 'fail', name, count: 2 })).toMatchObject({
            rejected: 0,
          });
        }
        const opened = await observer.getState(name);
        expect(opened).toMatchObject({ state: 'open', calls: 8, failures: 8, trips: 1 });
        const seen = await Promise.all(watching);
        // Server and workers share this machine's clock: TIME in the script vs Date.now() here.
        const lags = seen.map((each) => (each.rejectedAt ?? Infinity) - opened.changedAt);
        console.log(`[tristack] fleet: rejection lag after the trip per worker (ms): ${lags.join(', ')}`);
        for (const each of seen) expect(each.reason).toBe('open');
        for (const lag of lags) {
          expect(lag).toBeGreaterThanOrEqual(-5);
          expect(lag).toBeLessThan(100);
        }

        // Half-open: 4 processes × 2 attempts at once, exactly 2 admitted fleet-wide.
        await until(async () => (await observer.getState(name)).state === 'half-open', 5_000);
        const probedAt = Date.now();
        const probes = await Promise.all(
          workers.map((worker) =>
            worker.send<{ admitted: number; probes: number }>({ op: 'probe', name, attempts: 2 }),
          ),
        );
        expect(probes.reduce((sum, each) => sum + each.admitted, 0)).toBe(2);
        expect(probes.reduce((sum, each) => sum + each.probes, 0)).toBe(2);
        expect(await observer.getState(name)).toMatchObject({ state: 'half-open', probesInFlight: 2 });

        // A prober dies holding its token; the others report success.
        const victim = probes.findIndex((each) => each.admitted > 0);
        await workers[victim]!.process.kill();
        const survivors = workers.filter((_, index) => index !== victim);
        await Promise.all(survivors.map((worker) => worker.send({ op: 'settle', status: 'success' })));
        expect(await observer.getState(name)).toMatchObject({
          state: 'half-open',
          probesInFlight: probes[victim]!.probes,
          probeSuccesses: 2 - probes[victim]!.probes,
        });

        // The dead token holds its slot until it expires, not forever: then a survivor probes and closes it.
        const recovered = await Promise.all(
          survivors.map((worker) =>
            worker.send<{ recoveredAt: number | null }>({ op: 'recover', name, timeoutMs: 10_000 }, 15_000),
          ),
        );
        const firstRecovery = Math.min(...recovered.map((each) => each.recoveredAt ?? Infinity));
        expect(firstRecovery).toBeGreaterThanOrEqual(probedAt + PROBE_TTL_MS - 50);
        expect(firstRecovery).toBeLessThan(probedAt + PROBE_TTL_MS + 5_000);
        expect(await observer.getState(name)).toMatchObject({ state: 'closed', trips: 0 });
      } finally {
        await Promise.all(workers.map((worker) => worker.process.kill()));
        await observer.close();
      }
    },
  );
});
