import { describe, expect, it } from 'vitest';
import { InvalidOptionsError } from '../errors.js';
import { LocalNgramEmbedder, tokenize } from './local-ngram-embedder.js';

const cosine = (a: number[], b: number[]) => a.reduce((sum, value, index) => sum + value * b[index]!, 0);

describe('LocalNgramEmbedder', () => {
  const embedder = new LocalNgramEmbedder();

  it('returns deterministic unit vectors of the configured length', async () => {
    const [first, again] = await embedder.embed([
      'How do I reset my password?',
      'How do I reset my password?',
    ]);
    expect(first).toHaveLength(384);
    expect(first).toEqual(again);
    expect(cosine(first!, first!)).toBeCloseTo(1, 12);
    expect(new LocalNgramEmbedder({ dimensions: 64 }).embedOne('x y z')).toHaveLength(64);
    expect(new LocalNgramEmbedder({ dimensions: 64 }).id).toBe('tristack-local-ngram-v1/64');
    expect(() => new LocalNgramEmbedder({ dimensions: 3 })).toThrow(InvalidOptionsError);
  });

  it('gives text without words a zero vector (it can match nothing)', () => {
    expect(embedder.embedOne('?!  …').every((value) => value === 0)).toBe(true);
  });

  it('ignores case, punctuation and contractions; keeps numbers and negations apart', () => {
    const base = embedder.embedOne('What is the capital of France?');
    expect(cosine(base, embedder.embedOne("what's the capital of france"))).toBeCloseTo(1, 6);
    expect(cosine(base, embedder.embedOne('What is the capital of Germany?'))).toBeLessThan(0.8);
    const dose = embedder.embedOne('What is the ibuprofen dose for a 10 year old?');
    expect(cosine(dose, embedder.embedOne('What is the ibuprofen dose for a 4 year old?'))).toBeLessThan(0.8);
    const safe = embedder.embedOne('Which fruits are safe for dogs?');
    expect(cosine(safe, embedder.embedOne("Which fruits aren't safe for dogs?"))).toBeLessThan(0.8);
  });

  it('tokenizes contractions, number words and grouped digits', () => {
    expect(tokenize("Can't I pay 200,000 in two parts?")).toEqual([
      { kind: 'function', text: 'can' },
      { kind: 'negation', text: 'not' },
      { kind: 'function', text: 'i' },
      { kind: 'word', text: 'pay' },
      { kind: 'number', text: '200000' },
      { kind: 'function', text: 'in' },
      { kind: 'number', text: '2' },
      { kind: 'word', text: 'part' },
    ]);
  });
});
