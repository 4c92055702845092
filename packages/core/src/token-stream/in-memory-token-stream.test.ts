import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { InMemoryTokenStream } from './in-memory-token-stream.js';
import { TokenStreamClosedError, TokenStreamProducerGoneError } from './token-stream-errors.js';

async function readAll(tokens: InMemoryTokenStream, streamId: string) {
  const chunks: string[] = [];
  const ids: string[] = [];
  try {
    for await (const entry of tokens.read(streamId)) {
      chunks.push(entry.chunk);
      ids.push(entry.id);
    }
    return { chunks, ids, error: undefined };
  } catch (error) {
    return { chunks, ids, error };
  }
}

describe('InMemoryTokenStream on a ManualClock', () => {
  it('counts silence on its clock: past the heartbeat timeout the stream is abandoned for good', async () => {
    const clock = new ManualClock();
    const tokens = new InMemoryTokenStream({ clock, heartbeatIntervalMs: 0, heartbeatTimeoutMs: 1_000 });
    const writer = await tokens.open('s');
    await writer.write('a');
    await writer.flush();
    clock.advance(1_000);
    expect((await tokens.status('s'))?.state).toBe('open');
    clock.advance(1);
    expect(await tokens.status('s')).toMatchObject({ state: 'abandoned', idleMs: 1_001 });
    const { chunks, error } = await readAll(tokens, 's');
    expect(chunks).toEqual(['a']);
    expect(error).toBeInstanceOf(TokenStreamProducerGoneError);
    expect((error as TokenStreamProducerGoneError).silentForMs).toBe(1_001);
    await writer.write('late');
    await expect(writer.flush()).rejects.toBeInstanceOf(TokenStreamClosedError);
  });

  it('expires ttlMs after the last write, measured on its clock', async () => {
    const clock = new ManualClock();
    const tokens = new InMemoryTokenStream({ clock, ttlMs: 5_000 });
    const writer = await tokens.open('s');
    clock.advance(4_000);
    await writer.end('x');
    clock.advance(4_999);
    expect((await tokens.status('s'))?.state).toBe('ended');
    clock.advance(1);
    expect(await tokens.status('s')).toBeUndefined();
  });

  it('keeps entry ids increasing when the clock stands still or steps back', async () => {
    const clock = new ManualClock(5_000);
    const tokens = new InMemoryTokenStream({ clock, maxBatchChunks: 1 });
    const writer = await tokens.open('s');
    await writer.write('a');
    await writer.write('b');
    await writer.flush();
    clock.set(4_000);
    await writer.end('c');
    const { chunks, ids } = await readAll(tokens, 's');
    expect(chunks).toEqual(['a', 'b', 'c']);
    expect(ids).toEqual(['5000-0:0', '5000-1:1', '5000-2:2']);
  });
});
