import { setTimeout as sleep } from 'node:timers/promises';
import { InvalidOptionsError } from '@tristack/core';
import { describeConversationMemory } from '@tristack/testing/conformance';
import { recordingConnection, scriptCommands, useRedis } from '@tristack/testing/redis';
import { describe, expect, it } from 'vitest';
import { RedisConversationMemory } from './redis-conversation-memory.js';

const redis = useRedis();

describeConversationMemory(`RedisConversationMemory on ${redis.server.kind}`, () => ({
  create: (options) => new RedisConversationMemory({ ...options, client: redis.client }),
  wait: sleep,
}));

describe('RedisConversationMemory', () => {
  const address = { tenantId: 'acme', userId: 'u:1', conversationId: 'c{1}' };
  const owner = { tenantId: 'acme', userId: 'u:1' };
  const message = { role: 'user' as const, content: 'hello' };

  it('does every call in one round trip (deleteUser: an index read + one script)', async () => {
    const connection = recordingConnection(redis.client);
    const memory = new RedisConversationMemory({ client: connection });
    // Load every script once, so the calls below show the steady state (EVALSHA only).
    await memory.append(address, [message]);
    await memory.read(address);
    await memory.read(address, { maxTokens: 100 });
    await memory.listConversations(owner);
    await memory.touch(address);
    await memory.clear(address);
    await memory.deleteUser(owner);
    await memory.append(address, [message]);
    connection.clear();

    const calls: [string, () => Promise<unknown>, string[]][] = [
      ['append', () => memory.append(address, [message, message, message]), ['EVALSHA']],
      ['read', () => memory.read(address), ['LRANGE']],
      ['read last', () => memory.read(address, { last: 2 }), ['LRANGE']],
      ['read page', () => memory.read(address, { last: 2, before: '9999999999999-99' }), ['EVALSHA']],
      ['read budget', () => memory.read(address, { maxTokens: 20, last: 50 }), ['EVALSHA']],
      ['list', () => memory.listConversations(owner), ['ZRANGE', 'EVALSHA']],
      ['touch', () => memory.touch(address), ['EVALSHA']],
      ['clear', () => memory.clear(address), ['EVALSHA']],
      ['deleteUser', () => memory.deleteUser(owner), ['ZRANGE', 'EVALSHA']],
    ];
    for (const [name, call, expected] of calls) {
      connection.clear();
      await call();
      expect([name, connection.names()]).toEqual([name, expected]);
    }
  });

  it('keeps one user in one hash slot, escapes ids and puts a TTL on every key', async () => {
    const memory = new RedisConversationMemory({ client: redis.client, prefix: 'app', ttlMs: 60_000 });
    await memory.append(address, [message]);
    const keys = (await redis.client.keys('*')).sort();
    expect(keys).toEqual(['app:memory:{acme:u%3A1}:c:c%7B1%7D', 'app:memory:{acme:u%3A1}:index']);
    // The conversation lives one TTL; its user's index outlives it (extended to two TTLs).
    for (const key of keys) {
      const ttl = await redis.client.pTTL(key);
      const limit = key.includes(':c:') ? 60_000 : 120_000;
      expect([key, ttl > limit - 5_000 && ttl <= limit]).toEqual([key, true]);
    }
    expect(await redis.client.type('app:memory:{acme:u%3A1}:c:c%7B1%7D')).toBe('list');
  });

  it('drops expired conversations from the index kept alive by a newer one', async () => {
    // 'new' has 800 ms left when the index is read: room for a descheduled process.
    const memory = new RedisConversationMemory({ client: redis.client, ttlMs: 2_000 });
    const user = { userId: 'u' };
    await memory.append({ ...user, conversationId: 'old' }, [message]);
    await sleep(1_200);
    await memory.append({ ...user, conversationId: 'new' }, [message]);
    await sleep(1_200);
    expect((await memory.listConversations(user)).map((entry) => entry.conversationId)).toEqual(['new']);
    expect(await redis.client.zRange('tristack:memory:{u}:index', 0, -1)).toEqual(['new']);
  });

  it('appends with at most four commands inside the script once the conversation is indexed', async () => {
    const memory = new RedisConversationMemory({ client: redis.client, ttlMs: 3_600_000, maxMessages: 3 });
    await memory.append(address, [message]);
    const commands = await scriptCommands(redis, async () => {
      await memory.append(address, [message]);
      await memory.append(address, [message, message]);
    });
    // The second append fills the list past maxMessages: one LTRIM more.
    const [first, second] = [commands.slice(0, 4), commands.slice(4)];
    expect(first).toEqual(['TIME', 'LINDEX', 'RPUSH', 'PEXPIREAT']);
    expect(second).toEqual(['TIME', 'LINDEX', 'RPUSH', 'LTRIM', 'PEXPIREAT']);
  });

  it('keeps a conversation listed across TTL periods while it stays active', async () => {
    // Three TTLs of appends, each 200 ms after the last: 600 ms of room for a descheduled process.
    const memory = new RedisConversationMemory({ client: redis.client, ttlMs: 800 });
    const user = { userId: 'busy' };
    for (let index = 0; index < 12; index++) {
      await memory.append({ ...user, conversationId: 'c' }, [message]);
      await sleep(200);
    }
    expect((await memory.listConversations(user)).map((entry) => entry.conversationId)).toEqual(['c']);
    const indexExpiry = await redis.client.pTTL('tristack:memory:{busy}:index');
    const listExpiry = await redis.client.pTTL('tristack:memory:{busy}:c:c');
    expect(indexExpiry).toBeGreaterThanOrEqual(listExpiry);
  });

  it('stores JSON as data: ids and content cannot inject commands or keys', async () => {
    const memory = new RedisConversationMemory({ client: redis.client });
    const hostile = { userId: '*', conversationId: "x', redis.call('FLUSHDB'), '" };
    await memory.append({ userId: 'victim', conversationId: 'c' }, [message]);
    await memory.append(hostile, [{ role: 'user', content: "]] redis.call('FLUSHDB') --" }]);
    expect(await memory.read({ userId: 'victim', conversationId: 'c' })).toHaveLength(1);
    expect(await memory.read(hostile)).toHaveLength(1);
    expect(await memory.deleteUser('*')).toBe(1);
    expect(await memory.read({ userId: 'victim', conversationId: 'c' })).toHaveLength(1);
  });

  it('rejects bad driver options', () => {
    expect(() => new RedisConversationMemory({ client: redis.client, prefix: 'a:b' })).toThrow(
      InvalidOptionsError,
    );
    expect(() => new RedisConversationMemory({ client: undefined as never })).toThrow(InvalidOptionsError);
    expect(() => new RedisConversationMemory({ client: redis.client, maxMessages: -1 })).toThrow(
      InvalidOptionsError,
    );
  });
});
