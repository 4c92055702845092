import { setTimeout as sleep } from 'node:timers/promises';
import { BackendUnavailableError, type AuditEvent } from '@tristack/core';
import { hashAuditEntry } from '@tristack/core/driver-kit';
import { FAKE_SECRETS, describeAuditLog, eventWithSecrets } from '@tristack/testing/conformance';
import { recordingConnection, scriptCommands, useRedis } from '@tristack/testing/redis';
import { describe, expect, it } from 'vitest';
import { RedisAuditLog } from './redis-audit-log.js';

const redis = useRedis();

describeAuditLog('RedisAuditLog', () => ({
  create: (options) => new RedisAuditLog({ ...options, client: redis.client }),
  wait: sleep,
}));

/** Every value stored under every key of the database, as text (plus the key names). */
async function everythingStored(): Promise<string> {
  const client = redis.client;
  const parts: string[] = [];
  for await (const keys of client.scanIterator({ COUNT: 1000 })) {
    for (const key of keys) {
      parts.push(key);
      const type = await client.type(key);
      const dump = (args: string[]) => client.sendCommand(args).then((reply) => JSON.stringify(reply));
      if (type === 'stream') parts.push(await dump(['XRANGE', key, '-', '+']));
      else if (type === 'hash') parts.push(await dump(['HGETALL', key]));
      else if (type === 'zset') parts.push(await dump(['ZRANGE', key, '0', '-1', 'WITHSCORES']));
      else if (type === 'set') parts.push(await dump(['SMEMBERS', key]));
      else if (type === 'list') parts.push(await dump(['LRANGE', key, '0', '-1']));
      else if (type === 'string') parts.push(await dump(['GET', key]));
      else throw new Error(`unexpected key type ${type} for ${key}`);
    }
  }
  return parts.join('\n');
}

describe('RedisAuditLog on Redis', () => {
  it('never lets a secret reach Redis: no key or value holds one afterwards', async () => {
    const log = new RedisAuditLog({ client: redis.client });
    await log.record(eventWithSecrets());
    await log.record(eventWithSecrets({ tenantId: 'tenant-2', runId: 'run-9' }));
    await log.record({
      type: 'model.call.started',
      userId: 'user-1',
      data: {
        model: 'gpt-test',
        headers: {
          authorization: `Bearer ${FAKE_SECRETS.oauthAccessToken}`,
          'x-api-key': FAKE_SECRETS.openAiKey,
        },
        nested: [[{ deeper: { password: FAKE_SECRETS.password, note: `jwt=${FAKE_SECRETS.jwt}` } }]],
      },
    });
    await log.record({
      type: 'custom.webhook',
      layer: 'tool',
      data: {
        url: `https://hooks.example/cb?token=${FAKE_SECRETS.githubToken}&x=1`,
        key: FAKE_SECRETS.arcadeKey,
      },
    });
    await log.record({
      type: 'rate-limit.denied',
      data: { key: `user:${FAKE_SECRETS.refreshToken}`, limiter: 'per-user', retryAfterMs: 10 },
    });
    const stored = await everythingStored();
    // The scan reads real content: names and non-secret values are there.
    expect(stored).toContain('GitHub.CreateIssue');
    expect(stored).toContain('hooks.example');
    expect(stored).toContain('tenant-2');
    for (const secret of Object.values(FAKE_SECRETS)) expect(stored).not.toContain(secret);
  });

  it('keeps every key of a tenant in its hash tag', async () => {
    const log = new RedisAuditLog({ client: redis.client, prefix: 'app' });
    await log.record({
      type: 'memory.cleared',
      tenantId: 'acme:eu',
      userId: 'u 1',
      conversationId: 'c{1}',
      runId: 'r1',
      data: { reason: 'user asked' },
    });
    const keys = (await redis.client.keys('*')).sort();
    expect(keys).toEqual(
      [
        // The conversation index is the user's: compositeKey user=…:conversation=…, encoded once more.
        'app:audit:{acme%3Aeu}:by-conversation:user%3Du%25201%3Aconversation%3Dc%257B1%257D',
        'app:audit:{acme%3Aeu}:by-run:r1',
        'app:audit:{acme%3Aeu}:by-type:memory.cleared',
        'app:audit:{acme%3Aeu}:by-user:u%201',
        'app:audit:{acme%3Aeu}:head',
        'app:audit:{acme%3Aeu}:indexes',
        'app:audit:{acme%3Aeu}:log',
      ].sort(),
    );
    expect(log.keys('acme:eu').log).toBe('app:audit:{acme%3Aeu}:log');
  });

  it('records in one round trip, reads a page in one, verifies in one per page plus the head', async () => {
    const connection = recordingConnection(redis.client);
    const log = new RedisAuditLog({ client: connection, retentionMs: 60_000 });
    await log.record({ type: 'cache.miss', data: {} }); // loads the script (EVALSHA → NOSCRIPT → EVAL)
    connection.clear();
    for (let index = 0; index < 5; index += 1) {
      await log.record({
        type: 'cache.hit',
        userId: 'u',
        conversationId: 'c',
        runId: 'r',
        data: { key: `k${index}` },
      });
    }
    expect(connection.names()).toEqual(['EVALSHA', 'EVALSHA', 'EVALSHA', 'EVALSHA', 'EVALSHA']);
    await log.query({ userId: 'u', conversationId: 'c', limit: 2 }); // load
    connection.clear();
    const page = await log.query({
      userId: 'u',
      conversationId: 'c',
      type: 'cache.hit',
      layer: 'state',
      limit: 2,
    });
    expect(page.events).toHaveLength(2);
    await log.query({ userId: 'u', conversationId: 'c', limit: 2, cursor: page.nextCursor! });
    expect(connection.names()).toEqual(['EVALSHA', 'EVALSHA']);
    await log.verify(); // load
    connection.clear();
    expect(await log.verify(undefined, { pageSize: 4 })).toMatchObject({ valid: true, checked: 6 });
    expect(connection.names()).toEqual(['EVALSHA', 'EVALSHA']);
    connection.clear();
    expect(await log.head()).toMatchObject({ sequence: 6 });
    expect(connection.names()).toEqual(['HMGET']);
  });

  it('catches an entry appended outside the log (valid link, head not moved) and a deleted head', async () => {
    const log = new RedisAuditLog({ client: redis.client });
    const events: AuditEvent[] = [];
    for (let index = 0; index < 3; index += 1)
      events.push(await log.record({ type: 'cache.miss', data: { index } }));
    const last = events[2]!;
    // A forgery that links correctly to the newest entry and hashes itself like the script does.
    const [ms, counter] = last.id.split('-');
    const forged = {
      id: `${ms}-${Number(counter) + 1}`,
      sequence: 4,
      previousHash: last.hash,
      layer: 'state',
      type: 'cache.hit',
      dataJson: '{}',
    };
    const hash = hashAuditEntry(forged);
    await redis.client.sendCommand([
      'XADD',
      log.keys().log,
      forged.id,
      'seq',
      '4',
      'prev',
      last.hash,
      'hash',
      hash,
      'layer',
      'state',
      'type',
      'cache.hit',
      'data',
      '{}',
    ]);
    const appended = await log.verify();
    expect(appended).toMatchObject({ valid: false, checked: 4 });
    expect(appended.issues).toEqual([
      expect.objectContaining({
        kind: 'inserted',
        id: forged.id,
        sequence: 4,
        after: { id: last.id, sequence: 3 },
      }),
    ]);
    await redis.client.del(log.keys().head);
    const headless = await log.verify();
    expect(headless.valid).toBe(false);
    expect(headless.issues).toEqual([
      expect.objectContaining({ kind: 'inserted', id: events[0]!.id, sequence: 1 }),
    ]);
    expect(headless.issues[0]!.message).toContain('4 entries');
  });

  it('drops the index streams retention emptied, keeps the live ones', async () => {
    const log = new RedisAuditLog({ client: redis.client });
    for (let index = 0; index < 3; index += 1)
      await log.record({ type: 'cache.miss', userId: 'idle', data: {} });
    await sleep(20);
    await log.record({ type: 'cache.hit', userId: 'active', data: {} });
    await sleep(20);
    const kept = await log.record({ type: 'cache.hit', userId: 'active', data: {} });
    const keys = log.keys();
    const idleIndex = keys.index('user', 'idle');
    expect(await redis.client.exists(idleIndex)).toBe(1);
    expect((await log.trim(undefined, { before: kept.timestamp })).removed).toBe(4);
    expect(await redis.client.exists([idleIndex, keys.index('type', 'cache.miss')])).toBe(0);
    expect(await redis.client.zRange(keys.registry, 0, -1)).toEqual(
      [keys.index('type', 'cache.hit'), keys.index('user', 'active')].sort(),
    );
    expect((await log.query({ userId: 'active' })).events.map((event) => event.id)).toEqual([kept.id]);
    expect((await log.query({ userId: 'idle' })).events).toEqual([]);
  });

  it('keeps an index stream registered at its creation while it still gets entries', async () => {
    const log = new RedisAuditLog({ client: redis.client });
    await log.record({ type: 'cache.miss', userId: 'busy', data: {} });
    await sleep(20);
    const cutoff = await log.record({ type: 'cache.hit', userId: 'other', data: {} });
    await sleep(20);
    const kept = await log.record({ type: 'cache.miss', userId: 'busy', data: {} });
    const keys = log.keys();
    // The registry holds the ms of the index's first entry, older than the entries trimmed.
    expect(await redis.client.zScore(keys.registry, keys.index('user', 'busy'))).toBeLessThan(
      cutoff.timestamp,
    );
    expect((await log.trim(undefined, { before: kept.timestamp })).removed).toBe(2);
    expect(await redis.client.zScore(keys.registry, keys.index('user', 'busy'))).toBe(kept.timestamp);
    expect((await log.query({ userId: 'busy' })).events.map((event) => event.id)).toEqual([kept.id]);
    expect((await log.query({ type: 'cache.miss' })).events.map((event) => event.id)).toEqual([kept.id]);
  });

  it('indexes a conversation per user: one user’s index never holds another’s entries', async () => {
    const log = new RedisAuditLog({ client: redis.client });
    await log.record({
      type: 'cache.miss',
      tenantId: 'acme',
      userId: 'alice',
      conversationId: '1',
      data: {},
    });
    await log.record({ type: 'cache.miss', tenantId: 'acme', userId: 'bob', conversationId: '1', data: {} });
    await log.record({ type: 'cache.miss', tenantId: 'acme', userId: 'bob', conversationId: '1', data: {} });
    // A conversation without a user gets no conversation index (no query addresses it).
    await log.record({ type: 'cache.miss', tenantId: 'acme', conversationId: '1', data: {} });
    const keys = log.keys('acme');
    expect(await redis.client.xLen(keys.conversationIndex('alice', '1'))).toBe(1);
    expect(await redis.client.xLen(keys.conversationIndex('bob', '1'))).toBe(2);
    const conversationIndexes = (await redis.client.keys('*by-conversation*')).sort();
    expect(conversationIndexes).toEqual(
      [keys.conversationIndex('alice', '1'), keys.conversationIndex('bob', '1')].sort(),
    );
  });

  it('records with one XADD per index and no registry write once the indexes exist', async () => {
    const log = new RedisAuditLog({ client: redis.client });
    const event = { type: 'cache.hit', userId: 'u', conversationId: 'c', runId: 'r', data: {} } as const;
    await log.record(event);
    const commands = await scriptCommands(redis, () => log.record(event));
    expect(commands).toEqual(['TIME', 'HMGET', 'XADD', 'HSET', 'XADD', 'XADD', 'XADD', 'XADD']);
  });

  it('stamps events with the server’s time and strictly increasing ids', async () => {
    const log = new RedisAuditLog({ client: redis.client });
    const [seconds, micros] = (await redis.client.sendCommand(['TIME'])) as [string, string];
    const serverNow = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    const events = await Promise.all(
      Array.from({ length: 50 }, () => log.record({ type: 'cache.miss', data: {} })),
    );
    expect(Math.abs(events[0]!.timestamp - serverNow)).toBeLessThan(5_000);
    const ids = events.map((event) => event.id);
    const sorted = [...ids].sort((left, right) => {
      const [leftMs, leftN] = left.split('-').map(Number);
      const [rightMs, rightN] = right.split('-').map(Number);
      return leftMs! - rightMs! || leftN! - rightN!;
    });
    expect(new Set(ids).size).toBe(50);
    expect(events.map((event) => event.sequence).sort((a, b) => a - b)).toEqual(
      sorted.map((_, index) => index + 1),
    );
  });

  it('follows a conversation live and stops when aborted', async () => {
    const log = new RedisAuditLog({ client: redis.client });
    const live = { userId: 'u', conversationId: 'live' };
    await log.record({ type: 'cache.miss', ...live, data: { key: 'before' } });
    const controller = new AbortController();
    const seen: string[] = [];
    const tail = (async () => {
      for await (const event of log.follow(live, { signal: controller.signal, blockMs: 200 })) {
        seen.push(String(event.data['key']));
        if (seen.length === 2) controller.abort();
      }
    })();
    await sleep(100);
    await log.record({
      type: 'cache.miss',
      userId: 'u',
      conversationId: 'other',
      data: { key: 'elsewhere' },
    });
    // Another user's conversation of the same id is not this one.
    await log.record({ type: 'cache.miss', userId: 'v', conversationId: 'live', data: { key: 'not u' } });
    await log.record({ type: 'cache.miss', ...live, data: { key: 'first' } });
    await sleep(50);
    await log.record({ type: 'cache.hit', ...live, data: { key: 'second' } });
    await tail;
    expect(seen).toEqual(['first', 'second']);
  });

  it('raises BackendUnavailableError when Redis cannot be reached, and writes nothing', async () => {
    const client = await redis.newClient();
    const log = new RedisAuditLog({ client });
    await client.close();
    await expect(log.record({ type: 'cache.miss', data: {} })).rejects.toBeInstanceOf(
      BackendUnavailableError,
    );
    await expect(log.query()).rejects.toBeInstanceOf(BackendUnavailableError);
    expect(await redis.client.dbSize()).toBe(0);
  });
});
