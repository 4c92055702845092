import { InvalidOptionsError } from '@tristack/core';
import { snapshotKeys, useRedis } from '@tristack/testing/redis';
import { describe, expect, it } from 'vitest';
import { RedisCheckpointSaver } from './checkpoint-saver/redis-checkpoint-saver.js';
import { MAX_TTL_MS, ttlMsSchema } from './driver-options.js';
import { RedisStore } from './store/redis-store.js';

const redis = useRedis();

describe('ttlMsSchema', () => {
  it('takes positive integers up to MAX_TTL_MS (2^47 ms) and nothing above', () => {
    expect(MAX_TTL_MS).toBe(2 ** 47);
    expect(ttlMsSchema.safeParse(1).success).toBe(true);
    expect(ttlMsSchema.safeParse(MAX_TTL_MS).success).toBe(true);
    expect(ttlMsSchema.safeParse(undefined).success).toBe(true);
    for (const bad of [MAX_TTL_MS + 1, 2 ** 52, 1e308, Infinity, Number.NaN, 0, -1, 1.5])
      expect(ttlMsSchema.safeParse(bad).success, String(bad)).toBe(false);
  });

  it.each([
    ['RedisCheckpointSaver', (ttlMs: number) => new RedisCheckpointSaver({ client: redis.client, ttlMs })],
    ['RedisStore', (ttlMs: number) => new RedisStore({ client: redis.client, ttlMs })],
  ])('%s rejects a TTL above MAX_TTL_MS with InvalidOptionsError', (_name, create) => {
    expect(() => create(MAX_TTL_MS + 1)).toThrow(InvalidOptionsError);
    expect(() => create(MAX_TTL_MS)).not.toThrow();
  });

  it('the largest TTL is one Redis accepts: a put with MAX_TTL_MS expires in about MAX_TTL_MS', async () => {
    const store = new RedisStore({ client: redis.client, ttlMs: MAX_TTL_MS });
    await store.put(['notes'], 'n1', { text: 'kept' });
    expect((await store.get(['notes'], 'n1'))?.value).toEqual({ text: 'kept' });
    const snapshot = await snapshotKeys(redis.client);
    const expiry = Object.entries(snapshot).find(([key]) => key.endsWith(':expiry'));
    expect(expiry).toBeDefined();
    // node-redis 6 pairs each member with its score in RESP3 replies ([[member, score]]); 5.x keeps the flat list.
    const reply = expiry![1].value as unknown[];
    const score = Array.isArray(reply[0]) ? (reply[0] as unknown[])[1] : reply[1];
    expect(Number(score)).toBeGreaterThan(MAX_TTL_MS);
    expect(Number(score)).toBeLessThan(MAX_TTL_MS + Date.now() + 60_000);
  });
});
