/** Turns texts into vectors. Implementations: `LocalNgramEmbedder` (offline), LangChain `Embeddings` adapters. */
export interface Embedder {
  /**
   * Names the model and its version: vectors from different ids never share an index, so swapping
   * the embedder cannot compare vectors from two spaces.
   */
  readonly id: string;
  /** Length of every vector `embed` returns. */
  readonly dimensions: number;
  /**
   * `true` when `embed` runs in this process, without a network call or a per-call price (a local
   * model such as `LocalNgramEmbedder`). A cache then embeds a lookup's text before its exact tier,
   * so a driver can look both tiers up in one round trip; other embedders are called only on an
   * exact miss, so an exact hit never pays for an embedding.
   */
  readonly local?: boolean;
  /** One vector per text, in order. */
  embed(texts: readonly string[]): Promise<number[][]>;
}
