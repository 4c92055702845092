import { createRequire } from 'node:module';
import dns from 'node:dns';
import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TristackError } from '@tristack/core';
import { EMPTY_TEXT_VECTOR } from './empty-text-vector.js';
import { UseLiteEmbedder } from './use-lite-embedder.js';
import { type SentenceModel, USE_LITE_MODEL_PACKAGE, USE_LITE_MODEL_VERSION } from './use-lite-model.js';

const cosine = (left: readonly number[], right: readonly number[]) =>
  left.reduce((sum, value, index) => sum + value * right[index]!, 0);
const norm = (vector: readonly number[]) => Math.sqrt(cosine(vector, vector));

/** A stand-in model: a vector from the text's length, so rows can be told apart. */
function fakeModel(calls: string[][]): SentenceModel {
  return {
    async embed(texts) {
      calls.push(texts);
      return texts.map((text) => Array.from({ length: 512 }, (_, index) => (index === 0 ? text.length : 1)));
    },
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('UseLiteEmbedder with the real model', () => {
  it('loads and embeds with every network path refused', async () => {
    const refused = () => {
      throw new Error('network access in a test that must run offline');
    };
    const attempts = [
      vi.spyOn(net.Socket.prototype, 'connect').mockImplementation(refused),
      vi.spyOn(dns, 'lookup').mockImplementation(refused),
      vi.spyOn(globalThis, 'fetch').mockImplementation(refused),
    ];
    const embedder = new UseLiteEmbedder();
    const [vector] = await embedder.embed(['How do I reset my Slack password?']);
    expect(vector).toHaveLength(512);
    expect(norm(vector!)).toBeCloseTo(1, 5);
    for (const attempt of attempts) expect(attempt).not.toHaveBeenCalled();
  });

  it('puts paraphrases closer together than unrelated questions', async () => {
    const embedder = new UseLiteEmbedder();
    const [question, paraphrase, synonym, unrelated, otherTopic] = await embedder.embed([
      'How do I reset my Slack password?',
      'What is the way to reset a Slack password?',
      'How can I change my forgotten Slack password?',
      'Which flights go from Oslo to Rome on Friday?',
      'Summarise the open pull requests in acme/web.',
    ]);
    for (const close of [paraphrase!, synonym!])
      for (const far of [unrelated!, otherTopic!])
        expect(cosine(question!, close)).toBeGreaterThan(cosine(question!, far) + 0.3);
  });

  it('keeps a batch aligned around empty and whitespace-only texts', async () => {
    const texts = ['Merge PR 77', '', 'Archive my messages in #ops', '   \n', 'What time is it in Tokyo?'];
    const alone = await Promise.all(
      texts.map(async (text) => (await new UseLiteEmbedder().embed([text]))[0]!),
    );
    // Batches of 2 cut the batch between the empty texts too.
    for (const batchSize of [1, 2, 32]) {
      const batched = await new UseLiteEmbedder({ batchSize }).embed(texts);
      expect(batched).toHaveLength(texts.length);
      batched.forEach((vector, index) => expect(cosine(vector, alone[index]!)).toBeCloseTo(1, 4));
    }
    expect(alone[1]).toEqual([...EMPTY_TEXT_VECTOR]);
    expect(alone[3]).toEqual([...EMPTY_TEXT_VECTOR]);
    // An empty text is like no sentence: far from every real one.
    for (const index of [0, 2, 4]) expect(Math.abs(cosine(alone[1]!, alone[index]!))).toBeLessThan(0.3);
  });

  it('names the weights version it was built for', () => {
    const require = createRequire(import.meta.url);
    const installed = require(`${USE_LITE_MODEL_PACKAGE}/package.json`) as { version: string };
    expect(installed.version).toBe(USE_LITE_MODEL_VERSION);
    expect(new UseLiteEmbedder().id).toBe(`universal-sentence-encoder-lite@${USE_LITE_MODEL_VERSION}`);
  });
});

describe('UseLiteEmbedder loading and batching', () => {
  it('loads lazily, once, however many calls arrive at once', async () => {
    const calls: string[][] = [];
    const loadModel = vi.fn(async () => fakeModel(calls));
    const embedder = new UseLiteEmbedder({ loadModel });
    expect(loadModel).not.toHaveBeenCalled();
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, index) => embedder.embed([`question ${index}`])),
    );
    await embedder.embed(['one more']);
    expect(loadModel).toHaveBeenCalledTimes(1);
    expect(embedder.loads).toBe(1);
    expect(results.map((vectors) => vectors.length)).toEqual(Array(8).fill(1));
  });

  it('sends non-empty texts in batches of batchSize, empty ones never', async () => {
    const calls: string[][] = [];
    const embedder = new UseLiteEmbedder({ batchSize: 2, loadModel: async () => fakeModel(calls) });
    const vectors = await embedder.embed(['a', '', 'bbb', ' ', 'cc', 'dddd', 'eeeee']);
    expect(calls).toEqual([['a', 'bbb'], ['cc', 'dddd'], ['eeeee']]);
    // The fake's first component is the text's length: each row is in its text's place.
    const firstComponents = vectors.map((vector) => vector[0]! / vector[1]!);
    expect(firstComponents.filter((_, index) => index !== 1 && index !== 3)).toEqual([1, 3, 2, 4, 5]);
    expect(vectors[1]).toEqual([...EMPTY_TEXT_VECTOR]);
    for (const vector of vectors) expect(norm(vector)).toBeCloseTo(1, 9);
  });

  it('does not load the model for empty input only', async () => {
    const loadModel = vi.fn(async () => fakeModel([]));
    const embedder = new UseLiteEmbedder({ loadModel });
    expect(await embedder.embed([])).toEqual([]);
    expect(await embedder.embed(['', '\t'])).toEqual([[...EMPTY_TEXT_VECTOR], [...EMPTY_TEXT_VECTOR]]);
    expect(loadModel).not.toHaveBeenCalled();
  });

  it('reports a failed load as BACKEND_UNAVAILABLE and retries it on the next call', async () => {
    const loadModel = vi
      .fn<() => Promise<SentenceModel>>()
      .mockRejectedValueOnce(new Error('disk gone'))
      .mockResolvedValue(fakeModel([]));
    const embedder = new UseLiteEmbedder({ loadModel });
    const failure = await embedder.embed(['x']).catch((error: unknown) => error);
    expect(TristackError.hasCode(failure, 'BACKEND_UNAVAILABLE')).toBe(true);
    expect((failure as Error).message).toMatch(/^\[tristack\] \[use-lite\] /);
    expect(await embedder.embed(['x'])).toHaveLength(1);
    expect(loadModel).toHaveBeenCalledTimes(2);
  });

  it('refuses a model answer with a row missing (INTEGRITY), rather than shift the rows', async () => {
    const embedder = new UseLiteEmbedder({
      loadModel: async () => ({ embed: async (texts) => texts.slice(1).map(() => Array(512).fill(1)) }),
    });
    const failure = await embedder.embed(['a', 'b']).catch((error: unknown) => error);
    expect(TristackError.hasCode(failure, 'INTEGRITY')).toBe(true);
  });

  it('rejects bad options and non-string texts', async () => {
    expect(() => new UseLiteEmbedder({ batchSize: 0 })).toThrow(/batchSize/);
    const embedder = new UseLiteEmbedder({ loadModel: async () => fakeModel([]) });
    const failure = await embedder.embed([42 as unknown as string]).catch((error: unknown) => error);
    expect(TristackError.hasCode(failure, 'INVALID_INPUT')).toBe(true);
  });
});
