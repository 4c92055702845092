import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { TokenStreamProducerGoneError, type TokenStreamEntry } from '@tristack/core';
import { readTokenStreamToEnd } from '@tristack/testing/conformance';
import { spawnNodeWorker, type NodeWorker } from '@tristack/testing/fleet';
import { uniqueId, useRedis } from '@tristack/testing/redis';
import { describe, expect, it } from 'vitest';
import { RedisTokenStream } from './redis-token-stream.js';

const redis = useRedis();
const PRODUCER = fileURLToPath(new URL('./token-stream-producer.fixture.ts', import.meta.url));
/** The fixture's heartbeat timeout. */
const HEARTBEAT_TIMEOUT_MS = 1_000;

function producer(streamId: string, mode: 'all' | 'hang' | 'forever', count = 0): NodeWorker {
  return spawnNodeWorker(PRODUCER, [redis.url, String(redis.database), streamId, mode, String(count)]);
}

/** A deterministic pseudo-random sequence, so a failure can be replayed. */
function randomSequence(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

const expectedChunks = (count: number) => Array.from({ length: count }, (_, index) => `${index},`);

describe(`RedisTokenStream across processes (${redis.server.kind})`, () => {
  it('a producer process writes 10,000 chunks; a reader that keeps disconnecting and resuming on new workers gets all of them once', async () => {
    const streamId = uniqueId('fleet');
    const worker = producer(streamId, 'all', 10_000);
    const random = randomSequence(7);
    const received: TokenStreamEntry[] = [];
    let reconnects = 0;
    try {
      await worker.waitForLine('opened');
      let after: string | undefined;
      for (let connection = 0; connection < 2_000; connection++) {
        // Every reconnect is served by a fresh client: another worker of the fleet.
        const tokens = new RedisTokenStream({ client: await redis.newClient(), blockMs: 50 });
        const controller = new AbortController();
        // Disconnect after a random number of chunks, or abruptly after a random time.
        const limit = 1 + Math.floor(random() * 700);
        const timer = setTimeout(() => controller.abort(), 1 + Math.floor(random() * 30));
        const part = await readTokenStreamToEnd(tokens, streamId, {
          ...(after ? { after } : {}),
          limit,
          signal: controller.signal,
        });
        clearTimeout(timer);
        expect(part.error).toBeUndefined();
        received.push(...part.entries);
        after = received.at(-1)?.id ?? after;
        if (part.entries.length < limit && !controller.signal.aborted) break;
        reconnects++;
      }
      await worker.waitForLine('done', 30_000);
      expect(await worker.exited()).toBe(0);
    } finally {
      await worker.kill();
    }
    expect(reconnects).toBeGreaterThan(10);
    expect(received.map((entry) => entry.chunk).join('')).toBe(expectedChunks(10_000).join(''));
    expect(received).toHaveLength(10_000);
    expect(new Set(received.map((entry) => entry.id)).size).toBe(10_000);
  }, 60_000);

  it('a producer killed after flushing: the reader gets exactly the flushed prefix, then "producer gone" within the heartbeat timeout', async () => {
    const streamId = uniqueId('crash');
    const worker = producer(streamId, 'hang', 500);
    const tokens = new RedisTokenStream({ client: redis.client });
    try {
      await worker.waitForLine('flushed');
      const reading = readTokenStreamToEnd(tokens, streamId);
      // Heartbeats still flow: the stream is healthy until the process dies.
      await sleep(HEARTBEAT_TIMEOUT_MS * 1.5);
      expect((await tokens.status(streamId))?.state).toBe('open');
      await worker.kill('SIGKILL');
      const killedAt = Date.now();
      const { entries, error } = await reading;
      const detectedAfter = Date.now() - killedAt;
      expect(entries.map((entry) => entry.chunk)).toEqual(expectedChunks(500));
      expect(error).toBeInstanceOf(TokenStreamProducerGoneError);
      expect((error as TokenStreamProducerGoneError).heartbeatTimeoutMs).toBe(HEARTBEAT_TIMEOUT_MS);
      // The bound: reported once the heartbeat timeout has passed, not much later.
      expect(detectedAfter).toBeLessThan(HEARTBEAT_TIMEOUT_MS + 1_000);
      expect((await tokens.status(streamId))?.state).toBe('abandoned');
    } finally {
      await worker.kill();
    }
  }, 30_000);

  it('a producer killed while writing: readers (live and late) get a gap-free prefix, then "producer gone"', async () => {
    const streamId = uniqueId('crash-live');
    const worker = producer(streamId, 'forever');
    const tokens = new RedisTokenStream({ client: redis.client });
    try {
      await worker.waitForLine('writing');
      const live = readTokenStreamToEnd(tokens, streamId);
      await sleep(150);
      await worker.kill('SIGKILL');
      const killedAt = Date.now();
      const { entries, error } = await live;
      expect(Date.now() - killedAt).toBeLessThan(HEARTBEAT_TIMEOUT_MS + 1_000);
      expect(entries.length).toBeGreaterThan(10);
      expect(entries.map((entry) => entry.chunk)).toEqual(expectedChunks(entries.length));
      expect(error).toBeInstanceOf(TokenStreamProducerGoneError);
      // A reader arriving after the crash sees the same prefix and the same ending, at once.
      const late = await readTokenStreamToEnd(
        new RedisTokenStream({ client: await redis.newClient() }),
        streamId,
      );
      expect(late.entries).toEqual(entries);
      expect(late.error).toBeInstanceOf(TokenStreamProducerGoneError);
    } finally {
      await worker.kill();
    }
  }, 30_000);
});
