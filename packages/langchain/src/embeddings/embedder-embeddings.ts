import { Embeddings, type EmbeddingsParams } from '@langchain/core/embeddings';
import type { Embedder } from '@tristack/core';
import { checkEmbeddings } from '@tristack/core/driver-kit';

/**
 * A core `Embedder` (e.g. `LocalNgramEmbedder`) as LangChain `Embeddings`, for vector stores and
 * retrievers. Each call goes through LangChain's `AsyncCaller` (retries, concurrency limit).
 */
export class EmbedderEmbeddings extends Embeddings {
  constructor(
    readonly embedder: Embedder,
    params: EmbeddingsParams = {},
  ) {
    super(params);
  }

  async embedDocuments(documents: string[]): Promise<number[][]> {
    if (documents.length === 0) return [];
    const vectors = await this.caller.call(() => this.embedder.embed(documents));
    return checkEmbeddings(this.embedder, documents, vectors);
  }

  async embedQuery(document: string): Promise<number[]> {
    return (await this.embedDocuments([document]))[0]!;
  }
}

/** A core `Embedder` as LangChain `Embeddings` (see `EmbedderEmbeddings`). */
export function toLangChainEmbeddings(embedder: Embedder, params?: EmbeddingsParams): EmbedderEmbeddings {
  return new EmbedderEmbeddings(embedder, params);
}
