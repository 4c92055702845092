import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClient, type RedisClientType } from 'redis';
import { BackendUnavailableError, CircuitOpenError, type CircuitBreakerEvent } from '@tristack/core';
import {
  currentServer,
  findServerSource,
  spawnRedisServer,
  uniqueId,
  type SpawnedServer,
} from '@tristack/testing/redis';
import { RedisCircuitBreaker, type RedisCircuitBreakerOptions } from './redis-circuit-breaker.js';

// These tests stop and restart a server of their own, so they need the command, not just an URL.
const kind = currentServer().kind;
const command = findServerSource(kind)?.command;
if (!command)
  console.warn(`[tristack] NOT RUN on ${kind}: the server is given by URL, so it cannot be restarted`);

const POLICY = {
  failureRateThreshold: null,
  consecutiveFailures: 3,
  openMs: 60_000,
  backendTimeoutMs: 200,
  backendRetryMs: 300,
} as const;

/** Polls until `check` holds, or fails after `timeoutMs`. */
async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not reached within ${timeoutMs} ms`);
    await sleep(20);
  }
}

const boom = () => {
  throw new Error('dependency down');
};

describe.runIf(command !== undefined)('RedisCircuitBreaker when Redis is unreachable', () => {
  let server: SpawnedServer;
  let client: RedisClientType;
  let prefix: string;
  const breakers: RedisCircuitBreaker[] = [];
  const create = (options: Partial<RedisCircuitBreakerOptions>) => {
    const breaker = new RedisCircuitBreaker({ ...POLICY, client, prefix, ...options });
    breakers.push(breaker);
    return breaker;
  };

  beforeEach(async () => {
    server = await spawnRedisServer(command!);
    prefix = uniqueId('outage');
    client = createClient({ url: server.url, socket: { reconnectStrategy: () => 50 } }) as RedisClientType;
    client.on('error', () => {});
    await client.connect();
  });
  afterEach(async () => {
    await Promise.all(breakers.splice(0).map((breaker) => breaker.close()));
    client.destroy();
    await server.stop();
  });

  it("'local' (default) falls back to a breaker fed by this process's outcomes, and returns to Redis after a restart", async () => {
    const breaker = create({});
    const events: CircuitBreakerEvent[] = [];
    breaker.onEvent((event) => events.push(event));
    for (let index = 0; index < 2; index++)
      await expect(breaker.execute('svc', boom)).rejects.toThrow('dependency down');
    expect((await breaker.getState('svc')).consecutiveFailures).toBe(2);

    await server.stop();
    // The call still runs; its failure is the third this process saw, so the local breaker trips.
    await expect(breaker.execute('svc', boom)).rejects.toThrow('dependency down');
    expect(events.map((event) => event.type)).toContain('backend-unavailable');
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'state-change',
        to: 'open',
        reason: 'consecutive-failures',
        origin: 'local',
      }),
    );
    await expect(breaker.execute('svc', () => 'not run')).rejects.toBeInstanceOf(CircuitOpenError);
    expect(await breaker.getState('svc')).toMatchObject({ state: 'open', consecutiveFailures: 3 });

    // Same port, empty data set (no persistence): the shared state starts over, closed.
    server = await spawnRedisServer(command!, [], { port: server.port });
    await until(async () => (await breaker.acquire('svc')).admitted, 8_000);
    expect(events.map((event) => event.type)).toContain('backend-restored');
    // (A write that timed out may still land after the reconnect: node-redis queues commands
    // while offline. It is one real failure, not enough to trip.)
    expect(await breaker.getState('svc')).toMatchObject({ state: 'closed', trips: 0 });
    expect((await breaker.getState('svc')).failures).toBeLessThanOrEqual(1);
    expect(await breaker.execute('svc', () => 'served')).toBe('served');
  });

  it("'reject' fails closed with a non-retryable CircuitOpenError", async () => {
    const breaker = create({ onBackendUnavailable: 'reject' });
    await server.stop();
    expect(await breaker.acquire('svc')).toMatchObject({
      admitted: false,
      state: 'open',
      reason: 'backend-unavailable',
    });
    const error = await breaker.execute('svc', () => 'not run').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CircuitOpenError);
    expect(error).toMatchObject({ reason: 'backend-unavailable', retryable: false });
    await expect(breaker.getState('svc')).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(breaker.reset('svc')).rejects.toBeInstanceOf(BackendUnavailableError);
  });

  it("'allow' fails open: every call runs, outcomes are dropped", async () => {
    const breaker = create({ onBackendUnavailable: 'allow' });
    await server.stop();
    for (let index = 0; index < 5; index++)
      await expect(breaker.execute('svc', boom)).rejects.toThrow('dependency down');
    expect(await breaker.execute('svc', () => 'served')).toBe('served');
  });
});
