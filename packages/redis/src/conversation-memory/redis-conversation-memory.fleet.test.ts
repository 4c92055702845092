import { fileURLToPath } from 'node:url';
import { compareMessageIds } from '@tristack/core/driver-kit';
import { spawnNodeWorker, type NodeWorker } from '@tristack/testing/fleet';
import { useRedis } from '@tristack/testing/redis';
import { describe, expect, it } from 'vitest';
import { RedisConversationMemory } from './redis-conversation-memory.js';

const redis = useRedis();
const WORKER = fileURLToPath(new URL('./fleet-append.fixture.ts', import.meta.url));
const PROCESSES = 4;
const PER_PROCESS = 2_500;

describe('RedisConversationMemory across processes', () => {
  it(`${PROCESSES} processes append ${PER_PROCESS} messages each to one conversation: nothing lost, one order`, async () => {
    const userId = 'fleet-user';
    const workers: NodeWorker[] = [];
    try {
      for (let writer = 0; writer < PROCESSES; writer++)
        workers.push(
          spawnNodeWorker(WORKER, [
            redis.url,
            String(redis.database),
            String(writer),
            String(PER_PROCESS),
            userId,
          ]),
        );
      await Promise.all(workers.map((worker) => worker.waitForLine('ready', 60_000)));
      // Start together so the appends interleave.
      for (const worker of workers) worker.send('go');
      await Promise.all(workers.map((worker) => worker.waitForLine('done', 60_000)));
      expect(await Promise.all(workers.map((worker) => worker.exited()))).toEqual([0, 0, 0, 0]);
    } finally {
      await Promise.all(workers.map((worker) => worker.kill()));
    }
    const memory = new RedisConversationMemory({ client: redis.client, maxMessages: 100_000 });
    const all = await memory.read({ userId, conversationId: 'shared' });
    expect(all).toHaveLength(PROCESSES * PER_PROCESS);
    expect(new Set(all.map((message) => message.id)).size).toBe(all.length);
    expect(new Set(all.map((message) => message.content)).size).toBe(all.length);
    for (let index = 1; index < all.length; index++)
      if (compareMessageIds(all[index - 1]!.id, all[index]!.id) >= 0)
        throw new Error(`ids out of order at ${index}: ${all[index - 1]!.id} then ${all[index]!.id}`);
    for (let writer = 0; writer < PROCESSES; writer++) {
      const own = all
        .map((message) => String(message.content))
        .filter((text) => text.startsWith(`${writer}:`));
      expect(own).toEqual(Array.from({ length: PER_PROCESS }, (_, index) => `${writer}:${index}`));
    }
    // The writers really interleaved: someone else's message sits between one writer's first and last.
    const firstWriter = all.map((message) => String(message.content).split(':')[0]);
    expect(new Set(firstWriter.slice(0, all.length / 2)).size).toBeGreaterThan(1);
    const [summary] = await memory.listConversations(userId);
    expect(summary!.messageCount).toBe(PROCESSES * PER_PROCESS);
  }, 90_000);
});
