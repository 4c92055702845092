import { setTimeout as sleep } from 'node:timers/promises';
import { InvalidInputError, LocalNgramEmbedder } from '@tristack/core';
import {
  CountingEmbedder,
  describeSemanticCache,
  semanticCacheRequest as ask,
} from '@tristack/testing/conformance';
import { recordingPool, requiresPostgres, usePostgres } from '@tristack/testing/postgres';
import { beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../migrate.js';
import { EXACT_TIER_ONLY, detectPostgresVectorSupport } from './detect-vector-support.js';
import { PostgresSemanticCache } from './postgres-semantic-cache.js';

describe.runIf(requiresPostgres('PostgresSemanticCache'))('PostgresSemanticCache', () => {
  const postgres = usePostgres();
  beforeAll(async () => {
    await migrate(postgres.pool, { primitives: ['semantic-cache'] });
  });

  describeSemanticCache(
    'PostgresSemanticCache',
    () => ({
      create: (options) => new PostgresSemanticCache({ ...options, pool: postgres.pool }),
      wait: sleep,
      cleanup: async () => {
        await postgres.pool.query('TRUNCATE tristack.semantic_cache_entries, tristack.semantic_cache_stats');
      },
    }),
    { semanticTier: EXACT_TIER_ONLY },
  );

  it('looks up and stores in one statement each, and never embeds (no semantic tier)', async () => {
    const pool = recordingPool(postgres.pool);
    const embedder = new CountingEmbedder(new LocalNgramEmbedder());
    const cache = new PostgresSemanticCache({ pool, embedder, name: 'one-trip' });
    expect(cache.semanticTier).toEqual({ available: false, backend: 'none', reason: EXACT_TIER_ONLY });
    await cache.store(ask('How do I reset my password?'), { content: 'reset' });
    expect(pool.statements()).toHaveLength(1);
    pool.clear();
    expect(await cache.lookup(ask('How do I reset my password?'))).toMatchObject({
      hit: true,
      kind: 'exact',
    });
    expect(pool.statements()).toHaveLength(1);
    pool.clear();
    expect(await cache.lookup(ask('how can I reset my password'))).toEqual({
      hit: false,
      reason: 'no-match',
    });
    expect(pool.statements()).toHaveLength(1);
    expect(embedder.texts).toEqual([]);
  });

  it('refuses a tag holding U+0000 before sending a statement (jsonb cannot store it)', async () => {
    const pool = recordingPool(postgres.pool);
    const cache = new PostgresSemanticCache({ pool, name: 'nul-tags' });
    const request = { ...ask('Where is my order?'), tenant: 'acme', tags: { user: 'bob\u0000' } };
    await expect(cache.store(request, { content: 'shipped' })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(cache.invalidate({ tenant: 'acme', tags: { user: 'bob\u0000' } })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    expect(pool.statements().filter((text) => /semantic_cache_write|DELETE FROM/.test(text))).toEqual([]);
    expect(await cache.lookup({ ...request, tags: { user: 'bob' } })).toMatchObject({ hit: false });
  });

  it('detects whether the server offers pgvector, and reports it in the inspection', async () => {
    const support = await detectPostgresVectorSupport(postgres.pool);
    const { rows } = await postgres.pool.query<{ count: number }>(
      `SELECT count(*)::integer AS count FROM pg_available_extensions WHERE name = 'vector'`,
    );
    if (rows[0]!.count === 0) expect(support).toEqual({ supported: 'none' });
    else expect(support.supported).toMatch(/^pgvector /);
    const cache = new PostgresSemanticCache({ pool: postgres.pool, name: 'detected' });
    expect((await cache.inspector().tenants()).vectorBackend).toEqual({
      inUse: 'none',
      supported: support.supported,
      reason: EXACT_TIER_ONLY,
    });
  });
});
