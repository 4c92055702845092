import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { recordingConnection, useRedis } from '@tristack/testing/redis';
import type { CircuitBreakerOptions } from '@tristack/core';
import { circuitScripts } from './circuit-breaker-scripts.js';
import { RedisCircuitBreaker, type RedisCircuitBreakerOptions } from './redis-circuit-breaker.js';

const redis = useRedis();
const breakers: RedisCircuitBreaker[] = [];
const TRIP_ON_ONE: CircuitBreakerOptions = {
  failureRateThreshold: null,
  consecutiveFailures: 1,
  openMs: 60_000,
};

function breaker(options: Partial<RedisCircuitBreakerOptions> = {}): RedisCircuitBreaker {
  const created = new RedisCircuitBreaker({
    client: redis.client,
    prefix: redis.prefix,
    // On a loaded test machine a slow reply must not switch to the local fallback.
    backendTimeoutMs: 5_000,
    ...options,
  });
  breakers.push(created);
  return created;
}

/** Loads every script on the server, so recorded calls are one EVALSHA each (no NOSCRIPT retry). */
async function warmScripts(): Promise<void> {
  for (const script of Object.values(circuitScripts)) await redis.client.scriptLoad(script.source);
}

function scriptCalls(commands: string[][]): string[] {
  const names = new Map(Object.entries(circuitScripts).map(([name, script]) => [script.sha1, name]));
  return commands.map((command) => `${command[0]} ${names.get(command[1]!) ?? command[1]}`);
}

afterEach(async () => {
  await Promise.all(breakers.splice(0).map((each) => each.close()));
});

describe('RedisCircuitBreaker round trips', () => {
  it('decides the closed path locally and writes many successes in one script call', async () => {
    await warmScripts();
    const connection = recordingConnection(redis.client);
    const hot = breaker({
      client: connection,
      subscriber: redis.client,
      maxStalenessMs: 60_000,
      flushIntervalMs: 60_000,
    });
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, index) => hot.execute('hot', () => index)),
    );
    expect(results[199]).toBe(199);
    // One snapshot read for the first call; the 200 successes still wait in the batch.
    expect(scriptCalls(connection.commands)).toEqual(['EVALSHA read']);
    await hot.close();
    expect(scriptCalls(connection.commands)).toEqual(['EVALSHA read', 'EVALSHA recordBatch']);
    expect(await breaker().getState('hot')).toMatchObject({ state: 'closed', calls: 200, failures: 0 });
  });

  it('writes a failure at once, coalescing concurrent ones into one script call', async () => {
    await warmScripts();
    const connection = recordingConnection(redis.client);
    const cold = breaker({ client: connection, maxStalenessMs: 60_000, flushIntervalMs: 60_000 });
    const permits = [];
    for (let index = 0; index < 10; index++) {
      const admission = await cold.acquire('failing');
      if (!admission.admitted) throw new Error('expected admission');
      permits.push(admission.permit);
    }
    connection.clear();
    await Promise.all(permits.map((permit) => cold.record(permit, { status: 'failure' })));
    expect(scriptCalls(connection.commands)).toEqual(['EVALSHA recordBatch']);
    expect(await breaker().getState('failing')).toMatchObject({
      calls: 10,
      failures: 10,
      consecutiveFailures: 10,
    });
  });

  it('learns of a trip from the pub/sub notice, with no round trip of its own', async () => {
    await warmScripts();
    const connection = recordingConnection(redis.client);
    const observer = breaker({
      ...TRIP_ON_ONE,
      client: connection,
      subscriber: redis.client,
      maxStalenessMs: 60_000,
    });
    expect(await observer.subscribed()).toBe(true);
    expect(await observer.acquire('shared')).toMatchObject({ admitted: true });
    const tripper = breaker(TRIP_ON_ONE);
    const permit = await tripper.acquire('shared');
    if (permit.admitted) await tripper.record(permit.permit, { status: 'failure' });
    const deadline = Date.now() + 2_000;
    let seen = await observer.acquire('shared');
    while (seen.admitted && Date.now() < deadline) {
      await sleep(5);
      seen = await observer.acquire('shared');
    }
    expect(seen).toMatchObject({ admitted: false, state: 'open', reason: 'open' });
    expect(scriptCalls(connection.commands)).toEqual(['EVALSHA read']);
  });

  it('without pub/sub, bounds staleness by maxStalenessMs: one read per stale snapshot', async () => {
    await warmScripts();
    const connection = recordingConnection(redis.client);
    // A bare RedisConnection and no subscriber: refreshing is the only way to learn.
    const observer = breaker({ ...TRIP_ON_ONE, client: connection, maxStalenessMs: 200 });
    expect(await observer.subscribed()).toBe(false);
    expect(await observer.acquire('polled')).toMatchObject({ admitted: true });
    const tripper = breaker(TRIP_ON_ONE);
    const permit = await tripper.acquire('polled');
    if (permit.admitted) await tripper.record(permit.permit, { status: 'failure' });
    // Within the bound the snapshot may still say closed; past it, the next call re-reads.
    await sleep(250);
    expect(await observer.acquire('polled')).toMatchObject({ admitted: false, reason: 'open' });
    expect(await observer.acquire('polled')).toMatchObject({ admitted: false, reason: 'open' });
    expect(scriptCalls(connection.commands)).toEqual(['EVALSHA read', 'EVALSHA read']);
  });

  it('asks Redis once per call for a probe token while half-open', async () => {
    await warmScripts();
    const connection = recordingConnection(redis.client);
    const prober = breaker({ ...TRIP_ON_ONE, openMs: 50, client: connection, maxStalenessMs: 60_000 });
    const first = await prober.acquire('probe');
    if (first.admitted) await prober.record(first.permit, { status: 'failure' });
    await sleep(80);
    connection.clear();
    const probe = await prober.acquire('probe');
    expect(probe).toMatchObject({ admitted: true, state: 'half-open' });
    if (probe.admitted) await prober.record(probe.permit, { status: 'success' });
    expect(scriptCalls(connection.commands)).toEqual(['EVALSHA acquire', 'EVALSHA recordProbe']);
  });

  it('keeps one hash per name under its hash tag, with a TTL', async () => {
    const keyed = breaker({
      ...TRIP_ON_ONE,
      windowMs: 1_000,
      openMs: 2_000,
      maxOpenMs: 3_000,
      probeTtlMs: 500,
    });
    const admission = await keyed.acquire('tenant:{x}');
    if (admission.admitted) await keyed.record(admission.permit, { status: 'failure' });
    const keys = await redis.client.keys(`${redis.prefix}:*`);
    expect(keys).toEqual([`${redis.prefix}:circuit-breaker:{tenant%3A%7Bx%7D}:state`]);
    expect(await redis.client.type(keys[0]!)).toBe('hash');
    const ttl = await redis.client.pTTL(keys[0]!);
    // 2 × window + longest open period + probe TTL.
    expect(ttl).toBeGreaterThan(5_000);
    expect(ttl).toBeLessThanOrEqual(5_500);
    expect(await redis.client.hGet(keys[0]!, 'state')).toBe('open');
  });
});
