import { InvalidOptionsError } from '@tristack/core';
import { describeBroadcast, untilPasses } from '@tristack/testing/conformance';
import { recordingConnection, useRedis } from '@tristack/testing/redis';
import { describe, expect, it } from 'vitest';
import { RedisBroadcast } from './redis-broadcast.js';

const redis = useRedis();

describeBroadcast(`RedisBroadcast (${redis.server.kind})`, () => ({
  // Each instance on its own client, like separate processes; channels are private to the test.
  create: async (options) =>
    new RedisBroadcast({ client: await redis.newClient(), prefix: redis.prefix, ...options }),
}));

describe(`RedisBroadcast on ${redis.server.kind}`, () => {
  it('shares one subscriber connection among all subscriptions of an instance, and closes it', async () => {
    const client = await redis.newClient();
    const subscribers = async () =>
      String(await redis.client.sendCommand(['CLIENT', 'LIST']))
        .split('\n')
        .filter((line) => / sub=[1-9]| psub=[1-9]/.test(line) && line.includes(`db=${redis.database}`))
        .length;
    const before = await subscribers();
    const broadcast = new RedisBroadcast({ client, prefix: redis.prefix });
    for (let index = 0; index < 5; index++) await broadcast.subscribe(`c${index}`, () => {});
    await broadcast.subscribe({ pattern: 'p*' }, () => {});
    expect(await subscribers()).toBe(before + 1);
    await broadcast.close();
    expect(await subscribers()).toBe(before);
  });

  it('publishes with one round trip (EVALSHA of a keyed PUBLISH) on a namespaced channel', async () => {
    const client = await redis.newClient();
    const listener = await redis.newClient();
    const received: string[] = [];
    await listener.subscribe(`${redis.prefix}:broadcast:news`, (message) => received.push(message));
    // Record what publish sends; subscriptions still go through the real client's duplicate.
    const connection = recordingConnection(client);
    const broadcast = new RedisBroadcast({
      client: Object.assign(connection, {
        duplicate: client.duplicate.bind(client),
        subscribe: client.subscribe.bind(client),
      }),
      prefix: redis.prefix,
    });
    await broadcast.publish('news', 'warm the script cache');
    connection.clear();
    await broadcast.publish('news', 'hello');
    expect(connection.names()).toEqual(['EVALSHA']);
    expect(connection.commands[0]!.slice(2)).toEqual(['1', `${redis.prefix}:broadcast:news`, 'hello']);
    await untilPasses(() => expect(received).toEqual(['warm the script cache', 'hello']));
  });

  it('needs a node-redis client or cluster (pub/sub), not a bare RedisConnection', () => {
    expect(() => new RedisBroadcast({ client: recordingConnection(redis.client) })).toThrow(
      InvalidOptionsError,
    );
  });
});
