import { setTimeout as sleep } from 'node:timers/promises';
import { BackendUnavailableError, InvalidOptionsError, TokenStreamProducerGoneError } from '@tristack/core';
import { describeTokenStream, readTokenStreamToEnd } from '@tristack/testing/conformance';
import { eventually } from '@tristack/testing/fleet';
import { recordingConnection, useRedis } from '@tristack/testing/redis';
import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import { RedisTokenStream } from './redis-token-stream.js';

const redis = useRedis();

describeTokenStream(`RedisTokenStream (${redis.server.kind})`, () => {
  // The first instance uses the shared client; every other one gets its own connection, like
  // another worker of the fleet.
  let instances = 0;
  return {
    create: async (options) =>
      new RedisTokenStream({
        client: instances++ === 0 ? redis.client : await redis.newClient(),
        prefix: redis.prefix,
        ...options,
      }),
  };
});

describe(`RedisTokenStream on ${redis.server.kind}`, () => {
  it('stores one Redis Stream per response plus a meta hash, both in one hash slot with a TTL', async () => {
    const tokens = new RedisTokenStream({ client: redis.client, prefix: redis.prefix });
    const writer = await tokens.open('chat:42/answer', { ttlMs: 60_000, coalesceMs: 50 });
    for (const chunk of ['Hel', 'lo']) await writer.write(chunk);
    await writer.end('!');
    const keys = tokens.keys('chat:42/answer');
    expect(keys.entries).toBe(`${redis.prefix}:token-stream:{chat%3A42%2Fanswer}:entries`);
    expect(keys.meta).toBe(`${redis.prefix}:token-stream:{chat%3A42%2Fanswer}:meta`);
    expect(await redis.client.type(keys.entries)).toBe('stream');
    expect(await redis.client.type(keys.meta)).toBe('hash');
    for (const key of [keys.entries, keys.meta]) {
      const ttl = await redis.client.pTTL(key);
      expect(ttl).toBeGreaterThan(50_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
    }
    // The coalesced batch and the final chunk went out as one entry with the terminal marker.
    const raw = (await redis.client.sendCommand(['XRANGE', keys.entries, '-', '+'])) as [string, string[]][];
    expect(raw.map(([, fields]) => fields)).toEqual([
      ['s', '0', 'c', 'Hel', 'c', 'lo', 'c', '!', 't', 'end'],
    ]);
    expect(await redis.client.hGetAll(keys.meta)).toMatchObject({
      state: 'ended',
      chunks: '3',
      timeout: '5000',
    });
  });

  it('is one round trip per flushed batch (append + trim + heartbeat + expire), per open, cancel and status', async () => {
    const connection = recordingConnection(redis.client);
    const tokens = new RedisTokenStream({ client: connection, prefix: redis.prefix });
    const writer = await tokens.open('rt', { coalesceMs: 10_000, heartbeatIntervalMs: 0 });
    // Warm the script cache so every later call is a single EVALSHA.
    await writer.write('warm');
    await writer.flush();
    expect(await tokens.cancel('rt', 'stop')).toBe(true);
    await tokens.status('rt');
    connection.clear();
    for (let index = 0; index < 200; index++) await writer.write(`t${index}`);
    await writer.flush();
    expect(connection.names()).toEqual(['EVALSHA']);
    connection.clear();
    await writer.write('last');
    await writer.end('final');
    expect(connection.names()).toEqual(['EVALSHA']);
    for (const call of [() => tokens.status('rt'), () => tokens.cancel('rt')]) {
      connection.clear();
      await call();
      expect(connection.names()).toEqual(['EVALSHA']);
    }
  });

  it('reads with one XREAD BLOCK per batch on a duplicated connection, and releases it after the read', async () => {
    const tokens = new RedisTokenStream({ client: redis.client, prefix: redis.prefix, blockMs: 200 });
    // Connections of this database blocked in XREAD, by client id: earlier tests' readers may still
    // be finishing their own BLOCK, so the test follows the id of the connection this read opened.
    const blockedReaders = async () =>
      String(await redis.client.sendCommand(['CLIENT', 'LIST']))
        .split('\n')
        .filter((line) => line.includes(`db=${redis.database}`) && line.includes('cmd=xread'))
        .map((line) => /\bid=(\d+)/.exec(line)?.[1]);
    const before = new Set(await blockedReaders());
    const writer = await tokens.open('blocking', { coalesceMs: 0 });
    const reading = readTokenStreamToEnd(tokens, 'blocking');
    // Wait until the reader sits in XREAD BLOCK on its own connection.
    const opened = await eventually(async () => {
      const fresh = (await blockedReaders()).filter((id) => !before.has(id));
      expect(fresh).toHaveLength(1);
      return fresh[0]!;
    }, 2_000);
    await writer.end('x');
    expect((await reading).entries.map((entry) => entry.chunk)).toEqual(['x']);
    // The duplicate is closed when the read ends; the server drops it from CLIENT LIST a moment later.
    await eventually(async () => {
      const all = String(await redis.client.sendCommand(['CLIENT', 'LIST']));
      expect(all).not.toMatch(new RegExp(`\\bid=${opened}\\b`));
    }, 5_000);
  });

  it('falls back to polling when the connection cannot be duplicated', async () => {
    // A recording connection has no duplicate(): the reader polls with non-blocking XREAD.
    const connection = recordingConnection(redis.client);
    const tokens = new RedisTokenStream({ client: connection, prefix: redis.prefix });
    const writer = await tokens.open('polled', { coalesceMs: 0 });
    const reading = readTokenStreamToEnd(tokens, 'polled');
    await sleep(120);
    await writer.write('a');
    await writer.end('b');
    expect((await reading).entries.map((entry) => entry.chunk)).toEqual(['a', 'b']);
    expect(connection.commands.some((command) => command[0] === 'XREAD' && !command.includes('BLOCK'))).toBe(
      true,
    );
  });

  it('turns an unreachable Redis into BackendUnavailableError for every call; the writer rethrows it', async () => {
    const client = createClient({
      url: redis.url,
      database: redis.database,
      socket: { reconnectStrategy: false },
    });
    client.on('error', () => {});
    await client.connect();
    const tokens = new RedisTokenStream({ client, prefix: redis.prefix, heartbeatIntervalMs: 0 });
    const writer = await tokens.open('outage', { coalesceMs: 0, heartbeatTimeoutMs: 300 });
    await writer.write('stored');
    await writer.flush();
    client.destroy();
    await writer.write('lost').catch(() => {});
    await expect(writer.flush()).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(writer.write('after')).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(tokens.open('other')).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(tokens.status('outage')).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(tokens.cancel('outage')).rejects.toBeInstanceOf(BackendUnavailableError);
    expect((await readTokenStreamToEnd(tokens, 'outage')).error).toBeInstanceOf(BackendUnavailableError);
    // What reached Redis before the outage is intact; the silent producer then counts as gone.
    const healthy = new RedisTokenStream({ client: redis.client, prefix: redis.prefix });
    const seen = await readTokenStreamToEnd(healthy, 'outage');
    expect(seen.entries.map((entry) => entry.chunk)).toEqual(['stored']);
    expect(seen.error).toBeInstanceOf(TokenStreamProducerGoneError);
  });

  it('validates its options', () => {
    expect(() => new RedisTokenStream({ client: redis.client, prefix: 'bad prefix' })).toThrow(
      InvalidOptionsError,
    );
    expect(() => new RedisTokenStream({ client: {} as never })).toThrow(InvalidOptionsError);
    expect(() => new RedisTokenStream({ client: redis.client, maxBatchChunks: 5_000 })).toThrow(
      InvalidOptionsError,
    );
  });
});
