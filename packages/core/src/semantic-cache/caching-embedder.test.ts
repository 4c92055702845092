import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { CachingEmbedder } from './caching-embedder.js';
import type { Embedder } from './embedder.js';

class RecordingEmbedder implements Embedder {
  readonly id = 'recording/2';
  readonly dimensions = 2;
  readonly calls: string[][] = [];
  fail = false;
  async embed(texts: readonly string[]): Promise<number[][]> {
    this.calls.push([...texts]);
    await sleep(5);
    if (this.fail) throw new Error('down');
    return texts.map((text) => [text.length, 1]);
  }
}

describe('CachingEmbedder', () => {
  it('embeds a text once per TTL, shares in-flight calls and batches only what is missing', async () => {
    const clock = new ManualClock();
    const inner = new RecordingEmbedder();
    const embedder = new CachingEmbedder(inner, { ttlMs: 1_000, clock });
    const [first, second] = await Promise.all([
      embedder.embed(['a', 'bb', 'a']),
      embedder.embed(['bb', 'ccc']),
    ]);
    expect(first).toEqual([
      [1, 1],
      [2, 1],
      [1, 1],
    ]);
    expect(second).toEqual([
      [2, 1],
      [3, 1],
    ]);
    expect(inner.calls).toEqual([['a', 'bb'], ['ccc']]);
    clock.advance(999);
    await embedder.embed(['a', 'ccc']);
    expect(inner.calls).toHaveLength(2);
    clock.advance(1);
    await embedder.embed(['a']);
    expect(inner.calls.at(-1)).toEqual(['a']);
    expect(embedder.id).toBe(inner.id);
    expect(embedder.dimensions).toBe(2);
  });

  it('forgets the least recently used texts beyond maxEntries, and never caches a failure', async () => {
    const inner = new RecordingEmbedder();
    const embedder = new CachingEmbedder(inner, { maxEntries: 2 });
    await embedder.embed(['a']);
    await embedder.embed(['b']);
    await embedder.embed(['a']);
    await embedder.embed(['c']);
    await embedder.embed(['a', 'c']);
    expect(inner.calls.flat()).toEqual(['a', 'b', 'c']);
    await embedder.embed(['b']);
    expect(inner.calls.flat()).toEqual(['a', 'b', 'c', 'b']);
    inner.fail = true;
    await expect(embedder.embed(['d'])).rejects.toThrow('down');
    inner.fail = false;
    expect(await embedder.embed(['d'])).toEqual([[1, 1]]);
  });

  it('rejects an embedder answer of the wrong shape', async () => {
    const broken: Embedder = { id: 'broken', dimensions: 3, embed: async (texts) => texts.map(() => [1, 2]) };
    await expect(new CachingEmbedder(broken).embed(['x'])).rejects.toMatchObject({ code: 'INTEGRITY' });
  });
});
