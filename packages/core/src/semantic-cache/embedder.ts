/** Turns texts into vectors. Implementations: `LocalNgramEmbedder` (offline), LangChain `Embeddings` adapters. */
export interface Embedder {
  /**
   * Names the model and its version: vectors from different ids never share an index, so swapping
   * the embedder cannot compare vectors from two spaces.
   */
  readonly id: string;
  /** Length of every vector `embed` returns. */
  readonly dimensions: number;
  /** One vector per text, in order. */
  embed(texts: readonly string[]): Promise<number[][]>;
}
