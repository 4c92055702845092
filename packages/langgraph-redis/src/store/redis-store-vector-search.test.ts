import { Embeddings } from '@langchain/core/embeddings';
import { TristackError } from '@tristack/core';
import {
  compareVersions,
  currentServer,
  recordingConnection,
  requiresServer,
  useRedis,
} from '@tristack/testing/redis';
import { describe, expect, it } from 'vitest';
import { RedisStore } from './redis-store.js';

const DIMS = 32;

/** Deterministic bag-of-words embedding: each word adds 1 to a hashed dimension (FNV-1a). */
class WordHashEmbeddings extends Embeddings {
  calls = 0;
  constructor() {
    super({});
  }
  static vector(text: string): number[] {
    const vector = Array.from({ length: DIMS }, () => 0);
    for (const word of text.toLowerCase().match(/[a-z]+/g) ?? []) {
      let hash = 0x811c9dc5;
      for (const char of word) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
      vector[hash % DIMS]! += 1;
    }
    return vector;
  }
  async embedDocuments(texts: string[]): Promise<number[][]> {
    this.calls++;
    return texts.map((text) => WordHashEmbeddings.vector(text));
  }
  async embedQuery(text: string): Promise<number[]> {
    this.calls++;
    return WordHashEmbeddings.vector(text);
  }
}

function cosine(a: number[], b: number[]): number {
  const dot = a.reduce((sum, value, index) => sum + value * b[index]!, 0);
  const norm = (v: number[]) => Math.sqrt(v.reduce((sum, value) => sum + value * value, 0));
  return dot / (norm(a) * norm(b));
}

const redis = useRedis();
const DOCS: Record<string, string> = {
  cats: 'cats purr and cats sleep all day',
  dogs: 'dogs bark at the mailman',
  fish: 'fish swim in the cold river',
  birds: 'birds sing songs at dawn',
  mixed: 'cats chase birds near the river',
};
const index = () => ({ dims: DIMS, embeddings: new WordHashEmbeddings(), fields: ['text'] });

describe.runIf(requiresServer({ redis: '8.0' }, 'Vector Sets'))(
  'RedisStore vector search (Vector Sets)',
  () => {
    it('ranks by cosine similarity like a brute-force scan, within the namespace prefix and filter', async () => {
      const store = new RedisStore({ client: redis.client, index: index() });
      for (const [key, text] of Object.entries(DOCS))
        await store.put(['pets', key === 'fish' ? 'water' : 'land'], key, {
          text,
          legs: key === 'fish' ? 0 : 4,
        });
      await store.put(['other'], 'cats2', { text: 'cats cats cats', legs: 4 });

      const query = 'sleepy cats by the river';
      const found = await store.search(['pets'], { query, limit: 10 });
      const expected = Object.entries(DOCS)
        .map(([key, text]) => ({
          key,
          score: cosine(WordHashEmbeddings.vector(query), WordHashEmbeddings.vector(text)),
        }))
        .sort((a, b) => b.score - a.score);
      expect(found.map((item) => item.key)).toEqual(expected.map((item) => item.key));
      for (const [position, item] of found.entries())
        expect(item.score).toBeCloseTo(expected[position]!.score, 1);

      // Namespace prefix narrows ('other' is never returned), filter applies, limit/offset page.
      expect((await store.search([], { query: 'cats', limit: 1 }))[0]!.key).toBe('cats2');
      expect((await store.search(['pets', 'water'], { query: 'cats' })).map((item) => item.key)).toEqual([
        'fish',
      ]);
      const legged = await store.search(['pets'], { query, filter: { legs: 0 } });
      expect(legged.map((item) => item.key)).toEqual(['fish']);
      const page = await store.search(['pets'], { query, limit: 2, offset: 1 });
      expect(page.map((item) => item.key)).toEqual(expected.slice(1, 3).map((item) => item.key));
      // Without a query: plain filter search, no score.
      expect((await store.search(['pets'], { filter: { legs: 0 } }))[0]!.score).toBeUndefined();
    });

    it('replaces vectors on re-put, drops them on delete and for index: false, in one round trip per batch', async () => {
      const connection = recordingConnection(redis.client);
      const store = new RedisStore({ client: connection, index: index() });
      await store.put(['n'], 'a', { text: 'dogs bark' });
      await store.put(['n'], 'b', { text: 'fish swim' });
      const vectorsKey = (await redis.client.keys('*:vectors'))[0]!;
      expect(await redis.client.sendCommand(['VCARD', vectorsKey])).toBe(2);

      connection.clear();
      const results = await store.batch([
        { namespacePrefix: ['n'], query: 'dogs', limit: 1, offset: 0 },
        { namespace: ['n'], key: 'a', value: { text: 'fish swim fast' } },
      ]);
      expect(connection.names()).toEqual(['EVALSHA']);
      expect((results[0] as unknown as { key: string }[])[0]!.key).toBe('a'); // the state before the batch
      expect((await store.search(['n'], { query: 'dogs bark' })).map((item) => item.score! > 0.9)).toEqual([
        false,
        false,
      ]);

      await store.put(['n'], 'b', { text: 'dogs bark' }, false);
      await store.delete(['n'], 'a');
      expect(await redis.client.sendCommand(['VCARD', vectorsKey])).toBe(0);
      // An item without vectors is still found by plain search.
      expect((await store.search(['n'])).map((item) => item.key)).toEqual(['b']);
    });

    it('rejects an embedding of the wrong size with InvalidInputError and writes nothing', async () => {
      const store = new RedisStore({ client: redis.client, index: { ...index(), dims: 8 } });
      await expect(store.put(['n'], 'a', { text: 'dogs' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      expect(await redis.client.dbSize()).toBe(0);
    });
  },
);

const server = currentServer();
const hasVectorSets = server.server === 'redis' && compareVersions(server.version, '8.0') >= 0;

describe.runIf(!hasVectorSets)('RedisStore with an index on a server without Vector Sets', () => {
  it('fails every call with an UNSUPPORTED TristackError and writes nothing (never ignores the query)', async () => {
    const embeddings = new WordHashEmbeddings();
    const store = new RedisStore({ client: redis.client, index: { dims: DIMS, embeddings } });
    const error = await store.put(['n'], 'a', { text: 'dogs' }).catch((caught: unknown) => caught);
    expect(TristackError.hasCode(error, 'UNSUPPORTED')).toBe(true);
    expect((error as Error).message).toMatch(/Vector Sets.*Redis >= 8/);
    await expect(store.search(['n'], { query: 'dogs' })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    expect(embeddings.calls).toBe(0);
    expect(await redis.client.dbSize()).toBe(0);
    // Without an index the same server does plain filter search.
    const plain = new RedisStore({ client: redis.client });
    await plain.put(['n'], 'a', { text: 'dogs' });
    expect((await plain.search(['n'], { query: 'ignored' })).map((item) => item.key)).toEqual(['a']);
  });
});
