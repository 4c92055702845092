import { setTimeout as sleep } from 'node:timers/promises';
import {
  encodeKeyPart,
  BackendUnavailableError,
  InMemorySemanticCache,
  LocalNgramEmbedder,
  TristackError,
  type Embedder,
} from '@tristack/core';
import type { RedisArgument, RedisConnection } from '@tristack/core/driver-kit';
import {
  describeSemanticCache,
  formatQualityTable,
  measurePairs,
  qualityTable,
  semanticCachePairs,
  semanticCacheRequest as ask,
} from '@tristack/testing/conformance';
import { recordingConnection, requiresServer, scriptCommands, useRedis } from '@tristack/testing/redis';
import { createClient } from 'redis';
import { describe, expect, it, vi } from 'vitest';
import { RedisSemanticCache } from './redis-semantic-cache.js';

const redis = useRedis();
const vectorSets = requiresServer({ redis: '8.0' }, 'Vector Sets');
const answer = (text: string) => ({ content: text, usage: { inputTokens: 100, outputTokens: 50 } });

describeSemanticCache(
  `RedisSemanticCache on ${redis.server.kind}`,
  () => ({
    create: (options) => RedisSemanticCache.create({ ...options, client: redis.client }),
    wait: sleep,
  }),
  {
    semanticTier:
      vectorSets || `${redis.server.server} ${redis.server.version} has no vector search (exact tier only)`,
  },
);

// The same suite with VSIM sent as its own (threaded) command and a confirm script.
if (vectorSets)
  describeSemanticCache(
    `RedisSemanticCache with threadedSearch on ${redis.server.kind}`,
    () => ({
      create: (options) =>
        RedisSemanticCache.create({ ...options, client: redis.client, threadedSearch: true }),
      wait: sleep,
    }),
    { semanticTier: true },
  );

async function serverHas(command: string): Promise<boolean> {
  const reply = (await redis.client.sendCommand(['COMMAND', 'INFO', command])) as unknown[];
  return reply[0] !== null && reply[0] !== undefined;
}

describe('RedisSemanticCache backend detection', () => {
  it('picks Vector Sets on Redis 8 and reports the exact tier only elsewhere, naming the server', async () => {
    const cache = await RedisSemanticCache.create({ client: redis.client });
    if (vectorSets) {
      expect(cache.semanticTier).toEqual({ available: true, backend: 'vector-sets' });
    } else {
      expect(cache.semanticTier).toEqual({
        available: false,
        backend: 'none',
        reason: expect.stringMatching(
          new RegExp(
            `^${redis.server.server === 'valkey' ? 'Valkey' : 'Redis'} ${redis.server.version} has neither`,
            'i',
          ),
        ),
      });
      // Without a semantic tier the cache still answers exact repeats.
      await cache.store(ask('How do I reset my password?'), answer('reset'));
      expect(await cache.lookup(ask('How do I reset my password?'))).toMatchObject({
        hit: true,
        kind: 'exact',
      });
      expect(await cache.lookup(ask('how can I reset my password'), { threshold: 0 })).toEqual({
        hit: false,
        reason: 'no-match',
      });
    }
  });

  it('refuses an explicit backend the server lacks with UNSUPPORTED, and honours vectorBackend none', async () => {
    for (const [backend, command] of [
      ['vector-sets', 'VSIM'],
      ['redisearch', 'FT.SEARCH'],
    ] as const) {
      if (await serverHas(command)) continue;
      const error = await RedisSemanticCache.create({ client: redis.client, vectorBackend: backend }).catch(
        (e) => e,
      );
      expect(TristackError.hasCode(error, 'UNSUPPORTED')).toBe(true);
      expect(error.message).toMatch(new RegExp(`vectorBackend '${backend}' needs .* does not have it`));
    }
    const none = await RedisSemanticCache.create({ client: redis.client, vectorBackend: 'none' });
    expect(none.semanticTier).toMatchObject({ available: false, backend: 'none' });
  });
});

describe('RedisSemanticCache on Redis', () => {
  it('looks up an exact repeat in one round trip, stores in one, and embeds nothing for it', async () => {
    // A remote embedder (not `local`): called only on an exact miss.
    const inner = new LocalNgramEmbedder();
    const embedded: string[] = [];
    const remote: Embedder = {
      id: inner.id,
      dimensions: inner.dimensions,
      embed: (texts) => {
        embedded.push(...texts);
        return inner.embed(texts);
      },
    };
    const connection = recordingConnection(redis.client);
    const cache = await RedisSemanticCache.create({
      client: connection,
      embedder: remote,
      embeddingCache: false,
    });
    // Load the scripts once so the steady state (EVALSHA only) shows below.
    await cache.lookup(ask('warm up again'));
    await cache.store(ask('warm-up'), answer('w'));
    await cache.lookup(ask('warm-up'));
    await cache.lookup(ask('warm up please'));
    await cache.invalidate({ tenant: 'tenant-a', entryIds: ['0'.repeat(32)] });

    connection.clear();
    expect(await cache.store(ask('How do I reset my password?'), answer('reset'))).toMatchObject({
      stored: true,
    });
    expect(connection.names()).toEqual(['EVALSHA']);
    connection.clear();
    embedded.length = 0;
    expect(await cache.lookup(ask('How do I reset my password?'))).toMatchObject({
      hit: true,
      kind: 'exact',
    });
    expect(connection.names()).toEqual(['EVALSHA']);
    expect(embedded).toEqual([]);
    connection.clear();
    // Exact miss, then the semantic tier where there is one: its candidates and the hit the
    // near-miss guard lets through, counted in the same script (one more).
    expect(await cache.lookup(ask('how can I reset my password'))).toMatchObject({ hit: vectorSets });
    expect(connection.names()).toEqual(vectorSets ? ['EVALSHA', 'EVALSHA'] : ['EVALSHA']);
    connection.clear();
    // A semantic miss with nothing turned down ends after the candidates.
    expect((await cache.lookup(ask('What is the capital of Peru?'))).hit).toBe(false);
    expect(connection.names()).toEqual(vectorSets ? ['EVALSHA', 'EVALSHA'] : ['EVALSHA']);
    connection.clear();
    expect(await cache.invalidate({ tenant: 'tenant-a' })).toEqual({ removed: 2 });
    expect(connection.names()).toEqual(['EVALSHA']);
    connection.clear();
    await cache.stats({ tenant: 'tenant-a' });
    expect(connection.names()).toEqual(['HGETALL']);
  });

  it('keeps every key of a tenant in one hash slot, each with a TTL', async () => {
    const cache = await RedisSemanticCache.create({ client: redis.client, prefix: 'app', name: 'support' });
    await cache.store(ask('How do I reset my password?', { tenant: 'acme:{eu}' }), answer('reset'), {
      ttlMs: 60_000,
    });
    await cache.lookup(ask('How do I reset my password?', { tenant: 'acme:{eu}' }));
    const keys = (await redis.client.keys('*')).sort();
    const tag = 'app:semantic-cache:{support:acme%3A%7Beu%7D}';
    expect(keys.map((key) => key.replace(/[0-9a-f]{16,}/g, '<hex>'))).toEqual(
      [
        `${tag}:entry:<hex>`,
        `${tag}:index:<hex>`,
        `${tag}:scopes`,
        `${tag}:stats`,
        ...(vectorSets ? [`${tag}:vectors:<hex>:<hex>`] : []),
      ].sort(),
    );
    for (const key of keys) {
      const ttl = await redis.client.pTTL(key);
      expect(ttl).toBeGreaterThan(key.endsWith(':stats') ? 300 * 86_400_000 : 50_000);
      // The entry lives its TTL; the scope's keys outlive it by a slack of one TTL (at most an hour).
      if (key.includes(':entry:')) expect(ttl).toBeLessThanOrEqual(60_000);
      else if (!key.endsWith(':stats')) expect(ttl).toBeLessThanOrEqual(120_000);
    }
  });

  it('keeps the scope keys alive past every refreshed entry, lengthening them only past the recorded horizon', async () => {
    const tenant = 'keys-horizon';
    const ttlMs = 60_000;
    const cache = await RedisSemanticCache.create({ client: redis.client, ttlMs });
    const request = ask('How do I reset my password?', { tenant });
    await cache.store(request, answer('reset'));
    const mine = ((await redis.client.keys('*')) as string[]).filter((k) =>
      k.includes(encodeKeyPart(tenant)),
    );
    const entry = mine.find((k) => k.includes(':entry:'))!;
    const scopeKeys = mine.filter((k) => /:(index|vectors):|:scopes$/.test(k));
    expect(scopeKeys).toHaveLength(vectorSets ? 3 : 2);
    const expiry = async (key: string) => Number(await redis.client.sendCommand(['PEXPIRETIME', key]));
    const keysUntil = async () => Number(await redis.client.hGet(entry, 'keysUntil'));
    const now = async () => {
      const [seconds, micros] = (await redis.client.sendCommand(['TIME'])) as string[];
      return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    };
    const outliveEntry = async () => {
      for (const key of scopeKeys) expect(await expiry(key)).toBeGreaterThanOrEqual(await expiry(entry));
    };
    // Time passing for the entry: its expiry and its recorded restart move back by ms (a hit within
    // min(TTL / 10, 1 min) of the last restart leaves the TTL as it is).
    const elapse = async (ms: number) => {
      const at = (await expiry(entry)) - ms;
      await redis.client.sendCommand(['PEXPIREAT', entry, String(at)]);
      await redis.client.hSet(entry, 'expires', String(at));
    };
    // The store set the scope keys one TTL (at most an hour) past the entry, and recorded that horizon.
    const created = Number(await redis.client.hGet(entry, 'created'));
    expect(await keysUntil()).toBe(created + 2 * ttlMs);
    expect(Number(await redis.client.hGet(entry, 'expires'))).toBe(await expiry(entry));
    for (const key of scopeKeys) expect(await expiry(key)).toBeGreaterThanOrEqual(await keysUntil());
    // A hit moments after the store reads and counts only: the entry's TTL is as the store set it.
    const stored = await expiry(entry);
    let inner = await scriptCommands(redis, () => cache.lookup(request));
    expect(inner.filter((name) => /^(pexpireat|zadd)$/i.test(name))).toEqual([]);
    expect(await expiry(entry)).toBe(stored);
    // A tenth of the TTL later, a hit inside the horizon restarts the entry and leaves the scope keys
    // as they are.
    await elapse(ttlMs / 10);
    inner = await scriptCommands(redis, () => cache.lookup(request));
    // Its one PEXPIREAT is the entry's own.
    expect(inner.filter((name) => /^pexpireat$/i.test(name))).toHaveLength(1);
    expect(await expiry(entry)).toBeGreaterThan(stored);
    expect(Number(await redis.client.hGet(entry, 'expires'))).toBe(await expiry(entry));
    await outliveEntry();
    // The vector set is lengthened on every restart, horizon or not: another embedder's instance may
    // have moved the entry's horizon past what this embedder's set was given.
    const vectorsKey = scopeKeys.find((k) => k.includes(':vectors:'));
    if (vectorsKey) {
      await redis.client.sendCommand(['PEXPIREAT', vectorsKey, String((await now()) + 5_000)]);
      await elapse(ttlMs / 10);
      await cache.lookup(request);
      expect(await expiry(vectorsKey)).toBeGreaterThanOrEqual(await expiry(entry));
    }
    // Time passing, as the scope sees it: its keys are due before a restarted entry would be.
    const soon = (await now()) + 5_000;
    for (const key of scopeKeys) await redis.client.sendCommand(['PEXPIREAT', key, String(soon)]);
    await redis.client.hSet(entry, 'keysUntil', String(soon));
    await elapse(ttlMs / 10);
    inner = await scriptCommands(redis, () => cache.lookup(request));
    // The entry's PEXPIREAT, and one PEXPIREAT … GT each: index, scopes hash (the vector set is
    // lengthened on every restart).
    expect(inner.filter((name) => /^pexpireat$/i.test(name))).toHaveLength(3);
    await outliveEntry();
    expect(await keysUntil()).toBeGreaterThanOrEqual((await expiry(entry)) + ttlMs - 1_000);
    for (const key of scopeKeys.filter((k) => !k.includes(':vectors:')))
      expect(await expiry(key)).toBe(await keysUntil());
    // An entry stored before keysUntil existed lengthens them on its first hit.
    for (const key of scopeKeys) await redis.client.sendCommand(['PEXPIREAT', key, String(soon)]);
    await redis.client.hDel(entry, 'keysUntil');
    await elapse(ttlMs / 10);
    expect(await cache.lookup(request)).toMatchObject({ hit: true, kind: 'exact' });
    await outliveEntry();
    expect(await keysUntil()).toBeGreaterThan(soon);
  });

  it('turns an outage into misses and skipped stores (fail-open), or BackendUnavailableError', async () => {
    const client = createClient({
      url: redis.url,
      database: redis.database,
      socket: { reconnectStrategy: false },
    });
    client.on('error', () => {});
    await client.connect();
    const errors: unknown[] = [];
    const open = await RedisSemanticCache.create({ client, onError: (error) => errors.push(error) });
    const closed = await RedisSemanticCache.create({ client, failOpen: false });
    await open.store(ask('How do I reset my password?'), answer('reset'));
    client.destroy();
    expect(await open.lookup(ask('How do I reset my password?'))).toEqual({
      hit: false,
      reason: 'unavailable',
    });
    expect(await open.store(ask('q'), answer('a'))).toEqual({ stored: false, reason: 'unavailable' });
    expect(errors).toHaveLength(2);
    expect(errors.every((error) => error instanceof BackendUnavailableError)).toBe(true);
    await expect(closed.lookup(ask('q'))).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(closed.store(ask('q'), answer('a'))).rejects.toBeInstanceOf(BackendUnavailableError);
    // Invalidation and stats never fail open: their caller must know.
    await expect(open.invalidate({ tenant: 'tenant-a' })).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(RedisSemanticCache.create({ client })).rejects.toBeInstanceOf(BackendUnavailableError);
    expect(await open.stats()).toMatchObject({ lookups: 1, misses: 1, stores: 1, skippedStores: 1 });
  });
});

describe.runIf(vectorSets)('RedisSemanticCache on Vector Sets', () => {
  /** Captures raw arguments, to see the bytes on the wire. */
  function capturing(): RedisConnection & { sent: RedisArgument[][] } {
    const sent: RedisArgument[][] = [];
    return {
      sent,
      sendCommand: (args) => {
        sent.push([...args]);
        return redis.client.sendCommand([...args]);
      },
    };
  }

  it('with a local embedder, looks both tiers up in one round trip, a hit in 6 commands inside the script (+ a restart script when one is due)', async () => {
    const connection = recordingConnection(redis.client);
    const cache = await RedisSemanticCache.create({ client: connection });
    expect(cache.embedder.local).toBe(true);
    await cache.store(ask('How do I reset my password?'), answer('reset'));
    const [entry] = (await redis.client.keys('*:entry:*')) as string[];
    /** Two hours after the last restart (TTL one day): the next hit restarts it. */
    const age = async () => {
      const at = Number(await redis.client.sendCommand(['PEXPIRETIME', entry!])) - 7_200_000;
      await redis.client.sendCommand(['PEXPIREAT', entry!, String(at)]);
      await redis.client.hSet(entry!, 'expires', String(at));
      return at;
    };
    // Loads the scripts (the restart's too) and starts the day's stats TTL, so the steady state
    // shows below.
    const aged = await age();
    await cache.lookup(ask('how can I reset my password'));
    await vi.waitFor(async () =>
      expect(Number(await redis.client.hGet(entry!, 'expires'))).toBeGreaterThan(aged),
    );
    const cases = [
      ['how can I reset my password please', 'semantic', false],
      ['How do I reset my password?', 'exact', false],
      ['how can I reset my password please', 'semantic', true],
      ['How do I reset my password?', 'exact', true],
    ] as const;
    for (const [text, kind, restarts] of cases) {
      if (restarts) await age();
      connection.clear();
      let result: unknown;
      const inner = await scriptCommands(redis, async () => {
        result = await cache.lookup(ask(text));
      });
      expect(result).toMatchObject({ hit: true, kind, response: answer('reset') });
      // A semantic hit is counted ahead of the guard and restarts nothing then: a due restart is a
      // second script once the guard accepted it, not awaited (sent before the test's marker).
      expect(connection.names()).toEqual(
        kind === 'semantic' && restarts ? ['EVALSHA', 'EVALSHA'] : ['EVALSHA'],
      );
      // Semantic: HMGET (exact tier), VSIM, HMGET (the one candidate near enough to matter), TIME,
      // HMGET + HSET (every counter); its restart: HMGET, TIME, PEXPIRE + ZADD + HSET (the entry, its
      // index score, its 'expires'), PEXPIRE … GT (this embedder's vector set). The scope's index
      // and scopes hash outlive the entry already (keysUntil): untouched.
      // Exact: HMGET, TIME, the counters; a restart in the same script (no guard to wait for).
      const expected = { semantic: restarts ? 12 : 6, exact: restarts ? 8 : 4 }[kind];
      expect(inner, `${kind}, restarts: ${restarts}`).toHaveLength(expected);
      // Only the entry's own PEXPIREAT, when it restarts (the scope keys are untouched).
      expect(inner.filter((name) => /^pexpireat$/i.test(name))).toHaveLength(restarts ? 1 : 0);
      expect(inner.filter((name) => /^pttl$/i.test(name))).toEqual([]);
    }
    // A store: TIME, VADD, DEL, HSET (every field at once), PEXPIREAT + ZADD (the entry), HSET
    // (the scopes hash), ZRANGEBYSCORE (the janitor), PEXPIREAT … GT on the scope's three keys
    // (+ NX each when one already lives longer), HMGET + HSET (the counter). PEXPIREATs aside:
    const stored = await scriptCommands(redis, () =>
      cache.store(ask('How do I rotate my API key?'), answer('rotate')),
    );
    expect(stored.filter((name) => !/^pexpireat$/i.test(name))).toEqual(
      ['TIME', 'VADD', 'DEL', 'HSET', 'ZADD', 'HSET', 'ZRANGEBYSCORE', 'HMGET', 'HSET'].map((name) =>
        expect.stringMatching(new RegExp(`^${name}$`, 'i')),
      ),
    );
    // Without refreshOnHit a semantic hit reads and counts only: EVALSHA + 6.
    const reading = await RedisSemanticCache.create({ client: connection, refreshOnHit: false });
    await reading.lookup(ask('how can I reset my password'));
    connection.clear();
    const inner = await scriptCommands(redis, () =>
      reading.lookup(ask('how can I reset my password please')),
    );
    expect(connection.names()).toEqual(['EVALSHA']);
    expect(inner).toHaveLength(6);
    // The hits were counted once each, the speculative one included.
    expect(await cache.stats({ tenant: 'tenant-a' })).toMatchObject({
      lookups: 7,
      exactHits: 2,
      semanticHits: 5,
      tokensSaved: 7 * 150,
    });
  });

  it('takes back a hit counted ahead of the guard when the guard turns it down', async () => {
    const cache = await RedisSemanticCache.create({ client: redis.client });
    await cache.store(ask('How do I reset my password?'), answer('reset'));
    const wrong = await RedisSemanticCache.create({
      client: redis.client,
      guard: { check: () => ({ accept: false, reason: 'negation' }) },
    });
    expect(await wrong.lookup(ask('how can I reset my password'))).toMatchObject({
      hit: false,
      reason: 'near-miss',
    });
    expect(await cache.stats({ tenant: 'tenant-a' })).toMatchObject({
      lookups: 1,
      exactHits: 0,
      semanticHits: 0,
      misses: 1,
      tokensSaved: 0,
      costSavedUsd: 0,
      guardRejections: { negation: 1 },
    });
  });

  /** A tenant's entry (stored with a 60 s TTL) set to expire in `ms`, as if stored long ago. */
  async function entryNearItsEnd(tenant: string, ms: number) {
    const cache = await RedisSemanticCache.create({ client: redis.client, ttlMs: 60_000 });
    await cache.store(ask('How do I reset my password?', { tenant }), answer('reset'));
    const mine = ((await redis.client.keys('*')) as string[]).filter((k) =>
      k.includes(encodeKeyPart(tenant)),
    );
    const key = mine.find((k) => k.includes(':entry:'))!;
    const index = mine.find((k) => k.includes(':index'))!;
    const scopeKeys = mine.filter((k) => /:(index|vectors):|:scopes$/.test(k));
    const id = key.slice(key.lastIndexOf(':') + 1);
    const expiresAt = Date.now() + ms;
    await redis.client.sendCommand(['PEXPIREAT', key, String(expiresAt)]);
    await redis.client.sendCommand(['ZADD', index, 'XX', String(expiresAt), id]);
    await redis.client.hSet(key, 'expires', String(expiresAt));
    return { cache, key, index, id, scopeKeys, expiresAt };
  }

  /** A cache whose guard refuses every candidate; `beforeTakeBack` runs before its take-back is sent. */
  async function refusingCache(beforeTakeBack: () => Promise<unknown>) {
    let pending: (() => Promise<unknown>) | undefined = beforeTakeBack;
    const connection: RedisConnection = {
      sendCommand: async (args) => {
        if (pending && args.some((arg) => String(arg) === 'guard:negation')) {
          const run = pending;
          pending = undefined;
          await run();
        }
        return redis.client.sendCommand([...args]);
      },
    };
    return RedisSemanticCache.create({
      client: connection,
      ttlMs: 60_000,
      guard: { check: () => ({ accept: false, reason: 'negation' }) },
    });
  }

  it('a take-back leaves a restart in place that a hit served meanwhile counted on', async () => {
    const tenant = 'take-back-race';
    const { cache, key, expiresAt } = await entryNearItsEnd(tenant, 3000);
    let served: unknown;
    // Between the refused lookup (which restarted the entry ahead of the guard) and its take-back,
    // another caller is served the entry: it finds the TTL just restarted and does not restart it.
    const refusing = await refusingCache(async () => {
      served = await cache.lookup(ask('How do I reset my password?', { tenant }));
    });
    expect(await refusing.lookup(ask('how can I reset my password', { tenant }))).toMatchObject({
      hit: false,
      reason: 'near-miss',
    });
    expect(served).toMatchObject({ hit: true, kind: 'exact' });
    // The served hit keeps its promise: the entry lives about a TTL from then, not 3 s.
    expect(Number(await redis.client.sendCommand(['PEXPIRETIME', key]))).toBeGreaterThan(expiresAt + 50_000);
  });

  it('a turned-down speculative hit leaves the entry as it was; an accepted one restarts its TTL', async () => {
    const tenant = 'ttl-restore';
    // An entry near its end: 5 s left, its index score the same instant.
    const { cache, key, index, id, expiresAt } = await entryNearItsEnd(tenant, 5000);
    const refusing = await refusingCache(async () => {});
    for (let round = 0; round < 3; round++)
      expect(await refusing.lookup(ask('how can I reset my password', { tenant }))).toMatchObject({
        hit: false,
        reason: 'near-miss',
      });
    expect(Number(await redis.client.sendCommand(['PEXPIRETIME', key]))).toBe(expiresAt);
    expect(Number(await redis.client.sendCommand(['ZSCORE', index, id]))).toBe(expiresAt);
    expect(Number(await redis.client.hGet(key, 'expires'))).toBe(expiresAt);
    // An accepted hit restarts it, once the guard has said so (the restart is not awaited).
    expect(await cache.lookup(ask('how can I reset my password', { tenant }))).toMatchObject({ hit: true });
    await vi.waitFor(async () =>
      expect(Number(await redis.client.sendCommand(['PEXPIRETIME', key]))).toBeGreaterThan(
        expiresAt + 50_000,
      ),
    );
    expect(Number(await redis.client.sendCommand(['ZSCORE', index, id]))).toBe(
      Number(await redis.client.hGet(key, 'expires')),
    );
  });

  it('a turned-down hit lengthens nothing; an accepted one restarts the entry and lengthens the scope keys past it', async () => {
    const tenant = 'ttl-restore-keys';
    const { cache, key, index, id, scopeKeys, expiresAt } = await entryNearItsEnd(tenant, 5000);
    // The scope keys near their end too, the recorded horizon with them.
    for (const each of scopeKeys) await redis.client.sendCommand(['PEXPIREAT', each, String(expiresAt)]);
    await redis.client.hSet(key, 'keysUntil', String(expiresAt));
    const refusing = await refusingCache(async () => {});
    expect(await refusing.lookup(ask('how can I reset my password', { tenant }))).toMatchObject({
      hit: false,
      reason: 'near-miss',
    });
    // Nothing moved: the entry, its index score and the scope keys keep their expiry.
    expect(Number(await redis.client.sendCommand(['PEXPIRETIME', key]))).toBe(expiresAt);
    expect(Number(await redis.client.sendCommand(['ZSCORE', index, id]))).toBe(expiresAt);
    for (const each of scopeKeys)
      expect(Number(await redis.client.sendCommand(['PEXPIRETIME', each]))).toBe(expiresAt);
    // Accepted, the hit restarts the entry, and the scope keys are lengthened past it.
    expect(await cache.lookup(ask('how can I reset my password', { tenant }))).toMatchObject({ hit: true });
    await vi.waitFor(async () =>
      expect(Number(await redis.client.sendCommand(['PEXPIRETIME', key]))).toBeGreaterThan(
        expiresAt + 50_000,
      ),
    );
    for (const each of scopeKeys)
      expect(Number(await redis.client.sendCommand(['PEXPIRETIME', each]))).toBeGreaterThanOrEqual(
        Number(await redis.client.sendCommand(['PEXPIRETIME', key])),
      );
  });

  it("a served hit's restart that fails goes to onError (an async one that rejects too), the hit stands", async () => {
    const tenant = 'restart-fails';
    const { key, expiresAt } = await entryNearItsEnd(tenant, 30_000);
    const errors: unknown[] = [];
    const failing: RedisConnection = {
      // The restart is the one script with four keys.
      sendCommand: (args) =>
        /^EVAL/i.test(String(args[0])) && String(args[2]) === '4'
          ? Promise.reject(new Error('connection dropped'))
          : redis.client.sendCommand([...args]),
    };
    const cache = await RedisSemanticCache.create({
      client: failing,
      ttlMs: 60_000,
      failOpen: false,
      onError: async (error) => {
        errors.push(error);
        throw new Error('the logger is down too');
      },
    });
    expect(await cache.lookup(ask('how can I reset my password', { tenant }))).toMatchObject({
      hit: true,
      kind: 'semantic',
    });
    await vi.waitFor(() => expect(errors).toHaveLength(1));
    expect(String(errors[0])).toMatch(/connection dropped/);
    expect(Number(await redis.client.sendCommand(['PEXPIRETIME', key]))).toBe(expiresAt);
  });

  it('two turned-down lookups at once leave the entry as it was', async () => {
    const tenant = 'two-refused';
    const { key, expiresAt } = await entryNearItsEnd(tenant, 3000);
    const refusing = await refusingCache(async () => {});
    const query = ask('how can I reset my password', { tenant });
    const results = await Promise.all([refusing.lookup(query), refusing.lookup(query)]);
    expect(results).toMatchObject([{ reason: 'near-miss' }, { reason: 'near-miss' }]);
    expect(Number(await redis.client.sendCommand(['PEXPIRETIME', key]))).toBe(expiresAt);
    expect(await refusing.stats({ tenant })).toMatchObject({ semanticHits: 0, lookups: 2 });
  });

  it('a take-back that comes after the old expiry lets the entry go, leaving no bare hash', async () => {
    const tenant = 'take-back-late';
    const { key } = await entryNearItsEnd(tenant, 300);
    const refusing = await refusingCache(() => sleep(600));
    expect(await refusing.lookup(ask('how can I reset my password', { tenant }))).toMatchObject({
      hit: false,
    });
    expect(await redis.client.exists(key)).toBe(0);
  });

  it("a hit through another embedder's vector set keeps it alive while the entry lives", async () => {
    const tenant = 'two-embedders';
    const ttlMs = 60_000;
    const local = new LocalNgramEmbedder();
    const other: Embedder = {
      id: `${local.id}-other`,
      dimensions: local.dimensions,
      local: true,
      embed: (texts) => local.embed(texts),
    };
    const first = await RedisSemanticCache.create({ client: redis.client, ttlMs });
    const second = await RedisSemanticCache.create({ client: redis.client, ttlMs, embedder: other });
    await first.store(ask('How do I reset my password?', { tenant }), answer('reset'));
    await second.store(ask('How do I reset my password?', { tenant }), answer('reset'));
    const mine = ((await redis.client.keys('*')) as string[]).filter((k) =>
      k.includes(encodeKeyPart(tenant)),
    );
    const key = mine.find((k) => k.includes(':entry:'))!;
    const sets = mine.filter((k) => k.includes(':vectors:'));
    expect(sets).toHaveLength(2);
    const expiry = async (each: string) => Number(await redis.client.sendCommand(['PEXPIRETIME', each]));
    // The second instance's store was the entry's last (re)start; the first's set is due soon.
    const restartedIn = await redis.client.hGet(key, 'restartedIn');
    expect(sets).toContain(restartedIn);
    const firstSet = sets.find((each) => each !== restartedIn)!;
    await redis.client.sendCommand(['PEXPIREAT', firstSet, String(Date.now() + 2_000)]);
    // A semantic hit through the first set moments later restarts nothing, yet lengthens its set.
    expect(await first.lookup(ask('how can I reset my password', { tenant }))).toMatchObject({
      hit: true,
      kind: 'semantic',
    });
    expect(await expiry(firstSet)).toBeGreaterThanOrEqual(await expiry(key));
  });

  it('tries a failed take-back once more, so a refused hit is not left counted', async () => {
    const tenant = 'take-back-retry';
    // Fails the second script call of a lookup (the lookup is the first, the confirm the second).
    let scriptCalls = 0;
    let failAt = 0;
    const flaky: RedisConnection = {
      sendCommand: (args, options) => {
        if (/^evalsha$/i.test(String(args[0])) && ++scriptCalls === failAt)
          return Promise.reject(new Error('ECONNRESET (injected)'));
        return redis.client.sendCommand([...args], options as Parameters<typeof redis.client.sendCommand>[1]);
      },
    };
    const cache = await RedisSemanticCache.create({ client: redis.client });
    await cache.store(ask('How do I reset my password?', { tenant }), answer('reset'));
    const refusing = await RedisSemanticCache.create({
      client: flaky,
      guard: { check: () => ({ accept: false, reason: 'negation' }) },
      onError: () => {},
    });
    await refusing.lookup(ask('how can I reset my password please', { tenant }));
    [scriptCalls, failAt] = [0, 2];
    expect(await refusing.lookup(ask('how can I reset my password', { tenant }))).toMatchObject({
      hit: false,
    });
    expect(scriptCalls).toBeGreaterThanOrEqual(2);
    await vi.waitFor(async () =>
      expect(await cache.stats({ tenant })).toMatchObject({ lookups: 2, semanticHits: 0, tokensSaved: 0 }),
    );
  });

  it('sends vectors as FP32 binary, not VALUES text', async () => {
    const connection = capturing();
    const cache = await RedisSemanticCache.create({ client: connection });
    await cache.store(ask('How do I reset my password?'), answer('reset'));
    await cache.lookup(ask('how can I reset my password'));
    const blobs = connection.sent.flat().filter((arg): arg is Buffer => Buffer.isBuffer(arg));
    expect(blobs).toHaveLength(2);
    for (const blob of blobs) expect(blob.length).toBe(cache.embedder.dimensions * 4);
    expect(connection.sent.flat().map(String)).not.toContain('VALUES');
    expect(await redis.client.sendCommand(['VCARD', (await redis.client.keys('*:vectors:*'))[0]!])).toBe(1);
  });

  it('with threadedSearch sends VSIM on its own, between the exact script and the rescoring script', async () => {
    const connection = recordingConnection(redis.client);
    const cache = await RedisSemanticCache.create({ client: connection, threadedSearch: true });
    await cache.store(ask('How do I reset my password?'), answer('reset'));
    await cache.lookup(ask('how can I reset my password'));
    connection.clear();
    const hit = await cache.lookup(ask('how can I reset my password please'));
    expect(hit).toMatchObject({ hit: true, kind: 'semantic', response: answer('reset') });
    expect(connection.names()).toEqual(['EVALSHA', 'VSIM', 'EVALSHA', 'EVALSHA']);
    connection.clear();
    expect((await cache.lookup(ask('What is the capital of Peru?'))).hit).toBe(false);
    expect(connection.names()).toEqual(['EVALSHA', 'VSIM', 'EVALSHA']);
  });

  it('removes expired elements from the vector set: when a lookup meets one, and on store (janitor)', async () => {
    const cache = await RedisSemanticCache.create({ client: redis.client, janitorBatch: 2, candidates: 1 });
    // A long-lived entry keeps the scope's keys alive while the short ones expire.
    await cache.store(ask('Tell me about volcanoes.'), answer('hot'));
    for (const text of ['How do I reset my password?', 'What is the refund policy?', 'Where is my order?'])
      await cache.store(ask(text), answer(text), { ttlMs: 300 });
    const [vectors] = await redis.client.keys('*:vectors:*');
    const [index] = await redis.client.keys('*:index:*');
    const card = () => redis.client.sendCommand(['VCARD', vectors!]);
    expect(await card()).toBe(4);
    await sleep(500);
    // The lookup meets the expired nearest neighbour, removes it and misses.
    expect((await cache.lookup(ask('how can I reset my password'), { threshold: 0 })).hit).toBe(false);
    expect(await card()).toBe(3);
    expect(await redis.client.zCard(index!)).toBe(3);
    await cache.store(ask('Do you ship to Canada?'), answer('yes'));
    // The janitor removed the two other expired elements.
    expect(await card()).toBe(2);
    expect(await redis.client.zCard(index!)).toBe(2);
    expect(await cache.lookup(ask('tell me about volcanoes'))).toMatchObject({ hit: true, kind: 'semantic' });
  });

  it('keeps threshold 1 literal with NOQUANT and Q8 vectors; Q8 candidates are rescored on an FP32 copy', async () => {
    const exact = await RedisSemanticCache.create({
      client: redis.client,
      name: 'noquant',
      quantization: 'NOQUANT',
    });
    const quantized = await RedisSemanticCache.create({ client: redis.client, name: 'q8' });
    for (const cache of [exact, quantized]) {
      await cache.store(ask('How do I reset my password?'), answer('reset'));
      expect(await cache.lookup(ask('How do I reset my password? '), { threshold: 1 })).toMatchObject({
        hit: true,
        kind: 'semantic',
        similarity: 1,
      });
    }
    const paraphrase = ask('how can I reset my password please');
    const [fromExact, fromQuantized] = [await exact.lookup(paraphrase), await quantized.lookup(paraphrase)];
    if (!fromExact.hit || !fromQuantized.hit) throw new Error('expected two semantic hits');
    // Both are FP32 cosines now, not Q8's int8 estimate.
    expect(Math.abs(fromExact.similarity - fromQuantized.similarity)).toBeLessThanOrEqual(2e-6);
    // Only the quantised set's entries keep the FP32 copy; every entry keeps its match text for the guard.
    const entries = await redis.client.keys('*:entry:*');
    const fields = await Promise.all(entries.map((key) => redis.client.hKeys(key)));
    const withCopy = entries.filter((_, index) => fields[index]!.includes('vector'));
    expect(withCopy.length).toBeGreaterThan(0);
    expect(withCopy.every((key) => key.includes(':{q8:'))).toBe(true);
    expect(fields.every((names) => names.includes('match'))).toBe(true);
  });

  it('keeps hit quality on Vector Sets (Q8, HNSW): the similarities of the exact in-memory scan', async () => {
    // Similarities of the embedder alone: no guard, so near-misses report theirs too.
    const measured = await measurePairs(
      await RedisSemanticCache.create({ client: redis.client, name: 'quality', guard: false }),
      semanticCachePairs,
    );
    const reference = await measurePairs(new InMemorySemanticCache({ guard: false }), semanticCachePairs);
    const drift = Math.max(
      ...measured.map((pair, index) => Math.abs(pair.similarity - reference[index]!.similarity)),
    );
    console.log(
      formatQualityTable(
        qualityTable(measured, [0.8, 0.85, 0.9, 0.95]),
        `LocalNgramEmbedder, RedisSemanticCache on Vector Sets (Q8) — all pairs; largest drift from the exact scan ${drift.toFixed(4)}`,
      ),
    );
    // Candidates are rescored on FP32 copies: only float32 rounding remains.
    expect(drift).toBeLessThan(1e-5);
    expect(qualityTable(measured, [0.9])[0]!.falseHitRate.all).toBeLessThanOrEqual(0.02);
  });
});
