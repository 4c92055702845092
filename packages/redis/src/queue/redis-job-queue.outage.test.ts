import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BackendUnavailableError } from '@tristack/core';
import { findServerSource, spawnRedisServer, useRedis, type SpawnedServer } from '@tristack/testing/redis';
import { createClient, type RedisClientType } from 'redis';
import { describe, expect, it } from 'vitest';
import { RedisJobQueue } from './redis-job-queue.js';

const redis = useRedis();
const command = findServerSource(redis.server.kind)?.command;
if (!command)
  console.warn(
    `[tristack] NOT RUN on ${redis.server.kind}: the Redis-restart tests spawn their own server and this kind is given by URL only`,
  );

async function connect(url: string): Promise<RedisClientType> {
  // No offline queue: while the server is down, calls fail at once instead of waiting for it.
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: { reconnectStrategy: () => 50 },
  }) as RedisClientType;
  client.on('error', () => {});
  await client.connect();
  return client;
}

describe.runIf(command)(`RedisJobQueue on a private ${redis.server.kind} server`, () => {
  it('keeps working across a Redis restart: calls fail with BackendUnavailableError meanwhile, no job is lost', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'tristack-queue-'));
    const persistence = ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', directory];
    let server: SpawnedServer | undefined = await spawnRedisServer(command!, persistence);
    const client = await connect(server.url);
    const errors: unknown[] = [];
    const queue = new RedisJobQueue({ client, prefix: 'outage', blockMs: 500 });
    try {
      await queue.process(
        'tools',
        async (job) => {
          await sleep(10);
          return job.payload;
        },
        { concurrency: 4, leaseMs: 3000, onError: (error) => errors.push(error) },
      );
      const ids = await Promise.all(Array.from({ length: 40 }, (_, index) => queue.enqueue('tools', index)));
      // Waiters that live through the outage.
      const outcomes = Promise.all(ids.map((jobId) => queue.result(jobId, { timeoutMs: 60_000 })));
      while ((await queue.stats('tools')).completed < 5) await sleep(5);

      server.process.kill('SIGKILL');
      await new Promise((resolve) => server!.process.once('exit', resolve));
      const port = server.port;
      server = undefined;
      await expect(queue.enqueue('tools', 'while down')).rejects.toBeInstanceOf(BackendUnavailableError);
      await expect(queue.stats('tools')).rejects.toBeInstanceOf(BackendUnavailableError);
      await sleep(300);

      server = await spawnRedisServer(command!, persistence, { port });
      const values = (await outcomes).map((outcome) => outcome.status === 'completed' && outcome.value);
      expect(values).toEqual(ids.map((_, index) => index));
      expect(await queue.stats('tools')).toMatchObject({ waiting: 0, active: 0, dead: 0, completed: 40 });
      expect(errors.some((error) => error instanceof BackendUnavailableError)).toBe(true);
      expect(await queue.result(await queue.enqueue('tools', 'after'))).toMatchObject({ value: 'after' });
    } finally {
      await queue.close({ timeoutMs: 1000 });
      await client.close().catch(() => {});
      await server?.stop();
      rmSync(directory, { recursive: true, force: true });
    }
  }, 60_000);

  it("warns once at worker start when the server's maxmemory-policy can evict queue keys", async () => {
    const server = await spawnRedisServer(command!, ['--maxmemory-policy', 'allkeys-lru']);
    const client = await connect(server.url);
    const warnings: string[] = [];
    const queue = new RedisJobQueue({ client, onWarning: (message) => warnings.push(message) });
    try {
      expect(await queue.enqueue('tools', null)).toBeTruthy();
      expect(warnings).toEqual([]);
      await queue.process('tools', () => null);
      await queue.process('other', () => null);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/maxmemory-policy is 'allkeys-lru'.*noeviction/);
    } finally {
      await queue.close();
      await client.close();
      await server.stop();
    }
  });
});
