import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { BackendUnavailableError, type RateLimitResult } from '@tristack/core';
import { findServerSource, spawnRedisServer, useRedis } from '@tristack/testing/redis';
import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import { RedisRateLimiter } from './redis-rate-limiter.js';

const redis = useRedis();
const command = findServerSource(redis.server.kind)?.command;
if (!command)
  console.warn(
    `[tristack] NOT RUN on ${redis.server.kind}: the outage tests start and stop their own server, and this kind is given as a URL`,
  );

const TIMEOUT_MS = 300;
/** The timer fires at TIMEOUT_MS; this much more covers a loaded machine's event loop. */
const SCHEDULING_SLACK_MS = 1_000;

async function eventually<T>(
  attempt: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await attempt();
    if (accept(value) || Date.now() > deadline) return value;
    await sleep(50);
  }
}

describe.runIf(command !== undefined)(`RedisRateLimiter when Redis goes away (${redis.server.kind})`, () => {
  it.each(['fail-open', 'fail-closed'] as const)(
    '%s: Redis stopped mid-run, every call is decided by the policy within the timeout, then recovers',
    async (failurePolicy) => {
      const server = await spawnRedisServer(command!);
      const client = createClient({ url: server.url });
      client.on('error', () => {});
      await client.connect();
      let restarted: Awaited<ReturnType<typeof spawnRedisServer>> | undefined;
      try {
        const limiter = new RedisRateLimiter({
          client,
          failurePolicy,
          timeoutMs: TIMEOUT_MS,
          limits: [{ name: 'rpm', algorithm: 'sliding-window', limit: 1000, windowMs: 60_000 }],
        });
        const healthy = await limiter.limit('k');
        expect(healthy.allowed).toBe(true);
        expect(healthy.reason).toBeUndefined();

        // Calls keep coming while the server stops under them, until five were made after it stopped.
        const results: RateLimitResult[] = [];
        let stopped = false;
        const traffic = (async () => {
          for (let afterStop = 0; afterStop < 5;) {
            results.push(await limiter.limit('k'));
            if (stopped) afterStop++;
            await sleep(5);
          }
        })();
        await sleep(30);
        await server.stop();
        stopped = true;
        await traffic;
        for (const result of results) {
          if (result.reason === 'store-unavailable')
            expect(result.allowed).toBe(failurePolicy === 'fail-open');
          else expect(result.allowed).toBe(true);
        }
        expect(results.some((result) => result.reason === 'store-unavailable')).toBe(true);

        const started = performance.now();
        const down = await limiter.limit('k');
        const elapsed = performance.now() - started;
        expect(down.reason).toBe('store-unavailable');
        expect(down.allowed).toBe(failurePolicy === 'fail-open');
        expect(down.retryAfterMs).toBe(failurePolicy === 'fail-open' ? 0 : TIMEOUT_MS);
        expect(down.rules).toEqual([]);
        expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
        expect(elapsed).toBeLessThan(TIMEOUT_MS + SCHEDULING_SLACK_MS);
        expect((await limiter.peek('k')).reason).toBe('store-unavailable');
        // Not admission decisions: these say the store is gone instead of guessing.
        await expect(limiter.reconcile('k', { reserved: 1, actual: 2 })).rejects.toBeInstanceOf(
          BackendUnavailableError,
        );
        await expect(limiter.block('k', 1_000)).rejects.toBeInstanceOf(BackendUnavailableError);
        await expect(limiter.reset('k')).rejects.toBeInstanceOf(BackendUnavailableError);

        // Back on the same port: the same limiter works again, on a fresh server's empty state.
        restarted = await spawnRedisServer(command!, [], { port: server.port });
        const back = await eventually(
          () => limiter.limit('k'),
          (result) => result.reason === undefined,
        );
        expect(back.allowed).toBe(true);
        expect(back.reason).toBeUndefined();
      } finally {
        if (client.isOpen) client.destroy();
        await server.stop();
        await restarted?.stop();
      }
    },
    30_000,
  );

  it('a client that fails fast (no offline queue) is answered by the policy at once, not after the timeout', async () => {
    const server = await spawnRedisServer(command!);
    const client = createClient({
      url: server.url,
      disableOfflineQueue: true,
      socket: { reconnectStrategy: false },
    });
    client.on('error', () => {});
    await client.connect();
    try {
      const limiter = new RedisRateLimiter({
        client,
        failurePolicy: 'fail-closed',
        timeoutMs: 20_000,
        limits: [{ name: 'rpm', algorithm: 'fixed-window', limit: 10, windowMs: 60_000 }],
      });
      expect((await limiter.limit('k')).allowed).toBe(true);
      await server.stop();
      await eventually(
        async () => client.isReady,
        (ready) => !ready,
      );
      const started = performance.now();
      const down = await limiter.limit('k');
      expect(down).toMatchObject({ allowed: false, reason: 'store-unavailable' });
      expect(performance.now() - started).toBeLessThan(SCHEDULING_SLACK_MS);
    } finally {
      if (client.isOpen) client.destroy();
      await server.stop();
    }
  });
});
