import { z } from 'zod';
import { parseOptions } from '../validation.js';
import type { Embedder } from './embedder.js';
import { hash32 } from './hash32.js';

export interface LocalNgramEmbedderOptions {
  /** Vector length (feature-hashing buckets). @default 384 */
  dimensions?: number;
}

const optionsSchema = z.object({ dimensions: z.number().int().min(16).max(8192).default(384) }).strict();

// Function words carry little of a question's meaning; they are kept (word order and question type
// matter a little) but weigh far less than content words.
const FUNCTION_WORDS = new Set(
  (
    'a an the is are was were be been being am do does did doing have has had having i me my mine we us our you ' +
    'your yours he him his she her it its they them their this that these those there here of in on at to for ' +
    'from by with about into onto over under as and or but if then so than too very can could would should will ' +
    'shall may might must please hey hi hello tell give show explain know want like need some any much many ' +
    'what how why who whom whose where which when way get got just also really one ones thing things'
  ).split(' '),
);
// Words that flip a question's meaning: they become one heavy feature, plus a feature bound to the
// next content word, so "safe" and "not safe" land far apart.
const NEGATIONS = new Set([
  'not',
  'no',
  'never',
  'without',
  'none',
  'nothing',
  'nobody',
  'neither',
  'nor',
  'cannot',
]);
const NUMBER_WORDS: Record<string, string> = {
  zero: '0',
  one: '1',
  two: '2',
  three: '3',
  four: '4',
  five: '5',
  six: '6',
  seven: '7',
  eight: '8',
  nine: '9',
  ten: '10',
  eleven: '11',
  twelve: '12',
  twenty: '20',
  thirty: '30',
  forty: '40',
  fifty: '50',
  hundred: '100',
  thousand: '1000',
  first: '1st',
  second: '2nd',
  third: '3rd',
};
const CONTRACTIONS: [RegExp, string][] = [
  [/\bcan['’]t\b/g, 'can not'],
  [/\bwon['’]t\b/g, 'will not'],
  [/n['’]t\b/g, ' not'],
  [/['’]re\b/g, ' are'],
  [/['’]m\b/g, ' am'],
  [/['’]ll\b/g, ' will'],
  [/['’]ve\b/g, ' have'],
  [/['’]d\b/g, ' would'],
  [/\b(what|that|there|here|who|where|how|it)['’]s\b/g, '$1 is'],
  [/\b(what|that|who|where|how)s\b/g, '$1 is'],
  [/['’]s\b/g, ''],
  [/&/g, ' and '],
];

/** Weights of each feature family, chosen on the `dev` half of the labelled pairs. */
const WEIGHTS = {
  functionWord: 0.15,
  contentWord: 0.6,
  /** Spread over a content word's character trigrams: catches typos and inflections. */
  characterTrigrams: 1.2,
  /** Consecutive content words in order. */
  bigram: 0.6,
  /** A direction word bound to the next content word: "to paris" is not "from paris". */
  direction: 0.8,
  negatedWord: 1,
  /**
   * Numbers and negations are scaled to the norm of the rest of the text, so they change a long
   * question as much as a short one: a different number, or a negation, alone caps the cosine of
   * two otherwise identical texts at about 1 / (1 + number²) and 1 / sqrt(1 + negation²).
   */
  number: 0.8,
  negation: 0.8,
};
const DIRECTION_WORDS = new Set(['to', 'from', 'into', 'before', 'after', 'above', 'below', 'over', 'under']);

function stem(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 5 && word.endsWith('ing')) return word.slice(0, -3);
  if (word.length > 4 && word.endsWith('ed')) return word.slice(0, -2);
  if (word.length > 4 && word.endsWith('es') && /(sh|ch|x|ss)es$/.test(word)) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('s') && !/(ss|us|is)$/.test(word)) return word.slice(0, -1);
  return word;
}

type Token = { kind: 'word' | 'function' | 'number' | 'negation'; text: string };

/** Lower-cases, expands contractions and splits into classified tokens. Exported for tests. */
export function tokenize(text: string): Token[] {
  let normalized = text.normalize('NFKC').toLowerCase();
  for (const [pattern, replacement] of CONTRACTIONS) normalized = normalized.replace(pattern, replacement);
  const tokens: Token[] = [];
  for (const match of normalized.matchAll(/\p{N}+(?:[.,]\p{N}+)*|[\p{L}\p{N}]+/gu)) {
    const raw = match[0];
    if (/^\p{N}/u.test(raw) && /^[\p{N}.,]+$/u.test(raw)) {
      // "200,000" and "200000" are one number; "3.12" keeps its decimal point.
      tokens.push({ kind: 'number', text: raw.replace(/,(?=\p{N}{3}\b)/gu, '') });
    } else if (NUMBER_WORDS[raw] !== undefined) {
      tokens.push({ kind: 'number', text: NUMBER_WORDS[raw]! });
    } else if (NEGATIONS.has(raw)) {
      tokens.push({ kind: 'negation', text: raw });
    } else if (FUNCTION_WORDS.has(raw)) {
      tokens.push({ kind: 'function', text: raw });
    } else {
      tokens.push({ kind: 'word', text: stem(raw) });
    }
  }
  return tokens;
}

function norm(vector: Float64Array): number {
  let sum = 0;
  for (const value of vector) sum += value * value;
  return Math.sqrt(sum);
}

/**
 * An embedder that needs no network and no model: hashed features of the text (content words,
 * their character trigrams, numbers, negations, ordered word pairs) folded into a fixed-length,
 * L2-normalised vector. It measures lexical closeness, not meaning: it catches rewordings that keep
 * the key words (typos, casing, punctuation, filler, word order, inflections) and keeps questions
 * about other numbers or with a negation apart, but it cannot see synonyms. Deterministic: the same
 * text gives the same vector in every process and release with the same `id`.
 */
export class LocalNgramEmbedder implements Embedder {
  readonly id: string;
  readonly dimensions: number;
  /** Runs in this process: a cache may embed before its exact tier (one round trip for both). */
  readonly local = true;

  constructor(options: LocalNgramEmbedderOptions = {}) {
    const parsed = parseOptions(optionsSchema, options, { what: 'LocalNgramEmbedder', driver: 'memory' });
    this.dimensions = parsed.dimensions;
    this.id = `tristack-local-ngram-v1/${this.dimensions}`;
  }

  async embed(texts: readonly string[]): Promise<number[][]> {
    return texts.map((text) => this.embedOne(text));
  }

  /** Synchronous form of `embed` for one text. */
  embedOne(text: string): number[] {
    const vector = new Float64Array(this.dimensions);
    const add = (feature: string, weight: number) => {
      const hash = hash32(feature, 0x9e3779b9);
      // The sign bit comes from a second hash, so colliding features cancel out on average.
      const sign = hash32(feature, 0x7f4a7c15) & 1 ? 1 : -1;
      vector[hash % this.dimensions]! += sign * weight;
    };
    const tokens = tokenize(text);
    const numbers: string[] = [];
    let negations = 0;
    let negatePending = false;
    let direction: string | undefined;
    let previousContent: string | undefined;
    for (const token of tokens) {
      switch (token.kind) {
        case 'function':
          add(`f:${token.text}`, WEIGHTS.functionWord);
          if (DIRECTION_WORDS.has(token.text)) direction = token.text;
          break;
        case 'negation':
          negations++;
          negatePending = true;
          break;
        case 'number':
          numbers.push(token.text);
          previousContent = `n:${token.text}`;
          break;
        case 'word': {
          add(`w:${token.text}`, WEIGHTS.contentWord);
          const padded = `<${token.text}>`;
          const trigrams = Math.max(1, padded.length - 2);
          for (let index = 0; index + 3 <= padded.length; index++)
            add(`c:${padded.slice(index, index + 3)}`, WEIGHTS.characterTrigrams / Math.sqrt(trigrams));
          if (negatePending) add(`not:${token.text}`, WEIGHTS.negatedWord);
          if (direction) add(`d:${direction}>${token.text}`, WEIGHTS.direction);
          if (previousContent) add(`b:${previousContent}>${token.text}`, WEIGHTS.bigram);
          negatePending = false;
          direction = undefined;
          previousContent = token.text;
          break;
        }
      }
    }
    const words = Math.max(1, norm(vector));
    for (const value of numbers) add(`n:${value}`, (WEIGHTS.number * words) / Math.sqrt(numbers.length));
    if (negations > 0) add('neg', WEIGHTS.negation * Math.max(1, norm(vector)));
    const total = norm(vector);
    return Array.from(vector, (value) => (total > 0 ? value / total : 0));
  }
}
