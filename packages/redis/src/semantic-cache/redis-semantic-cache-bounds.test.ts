import { InvalidInputError, InvalidOptionsError, LocalNgramEmbedder, type Embedder } from '@tristack/core';
import { SEMANTIC_CACHE_MAX_COST_USD, SEMANTIC_CACHE_MAX_TOKENS } from '@tristack/core/driver-kit';
import { semanticCacheRequest as ask } from '@tristack/testing/conformance';
import { expectRejectedWithoutWrites, requiresServer, useRedis } from '@tristack/testing/redis';
import { describe, expect, it } from 'vitest';
import { RedisSemanticCache } from './redis-semantic-cache.js';

const redis = useRedis();
const vectorSets = requiresServer({ redis: '8.0' }, 'Vector Sets');
const answer = (text: string) => ({ content: text, usage: { inputTokens: 100, outputTokens: 50 } });

describe('RedisSemanticCache bounds: a typed error and nothing written', () => {
  it.each([
    { usage: { inputTokens: 2 ** 53 - 1, outputTokens: 0 } },
    { usage: { inputTokens: 0, outputTokens: SEMANTIC_CACHE_MAX_TOKENS + 1 } },
    { costUsd: 1e308 },
    { costUsd: SEMANTIC_CACHE_MAX_COST_USD * 2 },
    { costUsd: Number.NaN },
    { costUsd: Infinity },
    { costUsd: -1 },
    { ttlMs: Number.NaN },
    { ttlMs: 2 ** 53 },
  ])('rejects store options %o', async (options) => {
    const cache = await RedisSemanticCache.create({ client: redis.client, vectorBackend: 'none' });
    await cache.store(ask('already there'), answer('kept'));
    await expectRejectedWithoutWrites(
      redis.client,
      () => cache.store(ask('How do I reset my password?'), answer('reset'), options),
      InvalidInputError,
    );
  });

  it('rejects a response whose own usage is out of range', async () => {
    const cache = await RedisSemanticCache.create({ client: redis.client, vectorBackend: 'none' });
    await cache.store(ask('already there'), answer('kept'));
    await expectRejectedWithoutWrites(
      redis.client,
      () =>
        cache.store(ask('How do I reset my password?'), {
          content: 'reset',
          usage: { inputTokens: 2 ** 53 - 1, outputTokens: 1 },
        }),
      InvalidInputError,
    );
  });

  it('rejects prices that could make a saved cost Infinity', async () => {
    await expect(
      RedisSemanticCache.create({
        client: redis.client,
        vectorBackend: 'none',
        pricing: { 'model-1': { inputPerMillionTokens: 1e308, outputPerMillionTokens: 0 } },
      }),
    ).rejects.toThrow(InvalidOptionsError);
  });
});

describe('RedisSemanticCache hits never fail after refreshing or counting', () => {
  it('saturates tokensSaved instead of failing HINCRBY: the entry is still served', async () => {
    const cache = await RedisSemanticCache.create({ client: redis.client, vectorBackend: 'none' });
    const errors: unknown[] = [];
    const strict = await RedisSemanticCache.create({
      client: redis.client,
      vectorBackend: 'none',
      failOpen: false,
      onError: (error) => errors.push(error),
    });
    await cache.store(ask('How do I reset my password?'), answer('reset'), {
      usage: { inputTokens: SEMANTIC_CACHE_MAX_TOKENS, outputTokens: SEMANTIC_CACHE_MAX_TOKENS },
    });
    const [stats] = await redis.client.keys('*:stats');
    // Close to Redis' integer limit, as 4.6e9 hits of the largest entry would leave it.
    await redis.client.hSet(stats!, 'tokensSaved', '9223372036854775000');
    const hit = await strict.lookup(ask('How do I reset my password?'));
    expect(hit).toMatchObject({ hit: true, kind: 'exact', response: { content: 'reset' } });
    expect(errors).toEqual([]);
    const after = await cache.stats({ tenant: 'tenant-a' });
    expect(after.exactHits).toBe(1);
    expect(after.tokensSaved).toBeGreaterThanOrEqual(9223372036854775000);
    expect(Number.isFinite(after.costSavedUsd)).toBe(true);
  });

  it('reports the largest allowed cost as a finite number on every hit', async () => {
    const cache = await RedisSemanticCache.create({ client: redis.client, vectorBackend: 'none' });
    await cache.store(ask('expensive'), answer('gold'), { costUsd: SEMANTIC_CACHE_MAX_COST_USD });
    for (let call = 0; call < 3; call++)
      expect(await cache.lookup(ask('expensive'))).toMatchObject({ hit: true });
    expect((await cache.stats({ tenant: 'tenant-a' })).costSavedUsd).toBe(3 * SEMANTIC_CACHE_MAX_COST_USD);
    expect((await cache.stats()).costSavedUsd).toBe(3 * SEMANTIC_CACHE_MAX_COST_USD);
  });
});

/** An embedder that keeps its id while its dimensions change (a redeploy with another model size). */
function sameIdEmbedder(dimensions: number): Embedder {
  const inner = new LocalNgramEmbedder({ dimensions });
  return { id: 'team-embedder', dimensions, embed: (texts) => inner.embed(texts) };
}

describe.runIf(vectorSets)('RedisSemanticCache store when the embedder changes dimensions', () => {
  it('writes nothing when VADD would fail: no entry is served that store() did not store', async () => {
    const before = await RedisSemanticCache.create({ client: redis.client, embedder: sameIdEmbedder(64) });
    await before.store(ask('How do I reset my password?'), answer('reset'));
    const errors: unknown[] = [];
    const after = await RedisSemanticCache.create({
      client: redis.client,
      embedder: sameIdEmbedder(32),
      onError: (error) => errors.push(error),
    });
    await expectRejectedWithoutWrites(
      redis.client,
      () => after.store(ask('How do I change my email?'), answer('email')),
      InvalidOptionsError,
    );
    expect(await after.lookup(ask('How do I change my email?'), { exactOnly: true })).toMatchObject({
      hit: false,
    });
    // Entries stored before the change are still served from the exact tier.
    expect(await after.lookup(ask('How do I reset my password?'))).toMatchObject({
      hit: true,
      kind: 'exact',
    });
  });
});
