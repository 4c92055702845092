import { z } from 'zod';
import { type Clock, clockSchema, systemClock } from '../clock.js';
import { TristackError } from '../errors.js';
import { parseOptions } from '../validation.js';
import type { Embedder } from './embedder.js';

export interface CachingEmbedderOptions {
  /** Most texts kept; the least recently used go first. @default 10_000 */
  maxEntries?: number;
  /** How long an embedding is reused. @default 3_600_000 */
  ttlMs?: number;
  clock?: Clock;
}

const optionsSchema = z.object({
  maxEntries: z.number().int().min(1).default(10_000),
  ttlMs: z.number().int().min(1).default(3_600_000),
  clock: clockSchema.default(systemClock),
});

/** Checks an embedder's answer: one finite vector of the promised length per text. */
export function checkEmbeddings(embedder: Embedder, texts: readonly string[], vectors: unknown): number[][] {
  const ok =
    Array.isArray(vectors) &&
    vectors.length === texts.length &&
    vectors.every(
      (vector) =>
        Array.isArray(vector) &&
        vector.length === embedder.dimensions &&
        vector.every((value) => typeof value === 'number' && Number.isFinite(value)),
    );
  if (!ok)
    throw new TristackError(
      'INTEGRITY',
      `embedder ${embedder.id} did not return ${texts.length} finite vector(s) of ${embedder.dimensions} dimensions`,
      { driver: 'memory' },
    );
  return vectors as number[][];
}

/**
 * Wraps an embedder so the same text is embedded at most once per TTL in this process: repeated
 * texts come from memory, and concurrent requests for one text share one call.
 */
export class CachingEmbedder implements Embedder {
  readonly id: string;
  readonly dimensions: number;
  /** The wrapped embedder's: caching makes repeats cheap, not the first call. */
  readonly local: boolean;
  /** Texts answered from the cache (including shared in-flight calls). */
  hits = 0;
  /** Texts sent to the wrapped embedder. */
  misses = 0;
  private readonly entries = new Map<string, { vector: number[]; expiresAt: number }>();
  private readonly pending = new Map<string, Promise<number[]>>();
  private readonly options: z.output<typeof optionsSchema>;

  constructor(
    readonly inner: Embedder,
    options: CachingEmbedderOptions = {},
  ) {
    this.options = parseOptions(optionsSchema, options, { what: 'CachingEmbedder', driver: 'memory' });
    this.id = inner.id;
    this.dimensions = inner.dimensions;
    this.local = inner.local === true;
  }

  async embed(texts: readonly string[]): Promise<number[][]> {
    const now = this.options.clock.now();
    const fresh = (text: string) => {
      const cached = this.entries.get(text);
      return cached && cached.expiresAt > now ? cached : undefined;
    };
    const missing = [...new Set(texts)].filter((text) => !fresh(text) && !this.pending.has(text));
    if (missing.length) {
      this.misses += missing.length;
      const batch = this.inner
        .embed(missing)
        .then((vectors) => checkEmbeddings(this.inner, missing, vectors));
      missing.forEach((text, index) => {
        const promise = batch.then((vectors) => {
          this.remember(text, vectors[index]!);
          return vectors[index]!;
        });
        this.pending.set(text, promise);
        // Settled calls leave the in-flight map; a failure is not cached, the next call retries.
        promise.then(
          () => this.pending.delete(text),
          () => this.pending.delete(text),
        );
      });
    }
    const fromMissing = new Set(missing);
    return Promise.all(
      texts.map((text) => {
        const cached = fresh(text);
        if (cached) {
          // Re-insert: Map order is the LRU order.
          this.entries.delete(text);
          this.entries.set(text, cached);
          this.hits++;
          return cached.vector;
        }
        if (!fromMissing.has(text)) this.hits++;
        return this.pending.get(text)!;
      }),
    );
  }

  private remember(text: string, vector: number[]): void {
    this.entries.delete(text);
    this.entries.set(text, { vector, expiresAt: this.options.clock.now() + this.options.ttlMs });
    while (this.entries.size > this.options.maxEntries)
      this.entries.delete(this.entries.keys().next().value!);
  }
}
