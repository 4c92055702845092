import { fileURLToPath } from 'node:url';
import { untilPasses } from '@tristack/testing/conformance';
import { spawnNodeWorker, type NodeWorker } from '@tristack/testing/fleet';
import { findServerSource, spawnRedisServer, useRedis, type SpawnedServer } from '@tristack/testing/redis';
import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import { RedisBroadcast } from './redis-broadcast.js';

const redis = useRedis();
const SUBSCRIBER = fileURLToPath(new URL('./broadcast-subscriber.fixture.ts', import.meta.url));
// The restart test needs a server it may stop: one it spawns from the run's server command.
const serverCommand = findServerSource(redis.server.kind)?.command;
if (!serverCommand)
  console.warn(
    `[tristack] NOT RUN on ${redis.server.kind}: the Redis restart test needs a server command, not a URL`,
  );

describe(`RedisBroadcast across processes (${redis.server.kind})`, () => {
  it('fans out to 20 subscribers in 3 processes, every one in publish order', async () => {
    const counts = [7, 7, 6];
    const messages = Array.from({ length: 50 }, (_, index) => `notice ${index}`);
    const workers: NodeWorker[] = [];
    try {
      for (const count of counts)
        workers.push(
          spawnNodeWorker(SUBSCRIBER, [redis.url, String(redis.database), redis.prefix, String(count), '50']),
        );
      await Promise.all(workers.map((worker) => worker.waitForLine('ready')));
      const publisher = new RedisBroadcast({ client: redis.client, prefix: redis.prefix });
      for (const message of messages) await publisher.publish('fleet', message);
      const inboxes = (
        await Promise.all(workers.map((worker) => worker.waitForLine(/^received /, 20_000)))
      ).flatMap((line) => JSON.parse(line.slice('received '.length)) as string[][]);
      expect(inboxes).toHaveLength(20);
      for (const inbox of inboxes) expect(inbox).toEqual(messages);
      expect(await Promise.all(workers.map((worker) => worker.exited()))).toEqual([0, 0, 0]);
    } finally {
      await Promise.all(workers.map((worker) => worker.kill()));
    }
  }, 30_000);

  it.runIf(serverCommand)(
    'resubscribes after a Redis restart: messages published afterwards arrive again',
    async () => {
      let server: SpawnedServer | undefined = await spawnRedisServer(serverCommand!);
      const port = server.port;
      const client = createClient({ url: server.url, socket: { reconnectStrategy: () => 50 } });
      client.on('error', () => {});
      const broadcast = new RedisBroadcast({ client, prefix: redis.prefix });
      try {
        await client.connect();
        const received: string[] = [];
        await broadcast.subscribe('restart', (message) => {
          received.push(message.message);
        });
        await broadcast.subscribe({ pattern: 'rest*' }, (message) => {
          received.push(`pattern:${message.message}`);
        });
        await broadcast.publish('restart', 'before');
        await untilPasses(() => expect(received).toEqual(['before', 'pattern:before']));
        await server.stop();
        server = await spawnRedisServer(serverCommand!, [], { port });
        // Publish until the subscriber is back (the reconnect takes a few retries), then check order.
        const probe = createClient({ url: server.url });
        probe.on('error', () => {});
        await probe.connect();
        try {
          await untilPasses(async () => {
            await probe.publish(`${redis.prefix}:broadcast:restart`, 'probe');
            expect(received).toContain('probe');
          }, 15_000);
        } finally {
          await probe.close();
        }
        await untilPasses(() => expect(client.isReady).toBe(true), 5_000);
        received.length = 0;
        for (const message of ['after 1', 'after 2']) await broadcast.publish('restart', message);
        await untilPasses(() =>
          expect(received.filter((message) => !message.includes('probe'))).toHaveLength(4),
        );
        expect(received.filter((message) => !message.endsWith('probe'))).toEqual([
          'after 1',
          'pattern:after 1',
          'after 2',
          'pattern:after 2',
        ]);
      } finally {
        await broadcast.close();
        if (client.isOpen) client.destroy();
        await server?.stop();
      }
    },
    30_000,
  );
});
