import { describe, expect, it } from 'vitest';
import { BackendUnavailableError } from '@tristack/core';
import { recordingConnection, uniqueId, useRedis } from '@tristack/testing/redis';
import { createClient } from 'redis';
import { toRedisConnection } from './connection.js';
import { redisKey } from './keys.js';
import echoSource from './lua/echo-1.fixture.lua.generated.js';
import failSource from './lua/fail-1.fixture.lua.generated.js';
import { RedisScript } from './script.js';

const redis = useRedis();
const echo = new RedisScript('echo', echoSource);

describe('RedisScript', () => {
  it('loads itself with EVAL after NOSCRIPT, then runs with one EVALSHA per call', async () => {
    // A source no other test has loaded: the first call must miss the server's script cache.
    const fresh = new RedisScript('fresh', `${echo.source} -- ${uniqueId()}`);
    const connection = recordingConnection(redis.client);
    expect(await fresh.run(connection, ['k'], ['v1'])).toBe('v1');
    expect(connection.names()).toEqual(['EVALSHA', 'EVAL']);
    connection.clear();
    expect(await fresh.run(connection, ['k'], ['v2'])).toBe('v2');
    expect(connection.names()).toEqual(['EVALSHA']);
  });

  it('passes script errors through as server replies', async () => {
    const failing = new RedisScript('fail', failSource);
    await expect(failing.run(toRedisConnection(redis.client), ['k'])).rejects.toThrow(/BOOM nope/);
  });

  it('turns a transport failure into BackendUnavailableError', async () => {
    const client = createClient({ url: redis.url, socket: { reconnectStrategy: false } });
    client.on('error', () => {});
    await client.connect();
    client.destroy();
    await expect(echo.run(toRedisConnection(client), ['k'], ['v'])).rejects.toBeInstanceOf(
      BackendUnavailableError,
    );
  });
});

describe('redisKey', () => {
  it('wraps the escaped owner ids in one hash tag', () => {
    expect(redisKey('tristack', 'memory', ['t}1', 'u*'], 'messages')).toBe(
      'tristack:memory:{t%7D1:u%2A}:messages',
    );
  });
});
