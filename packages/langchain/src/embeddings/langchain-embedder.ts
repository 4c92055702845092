import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import type { Embedder } from '@tristack/core';
import { checkEmbeddings, idSchema, parseOptions } from '@tristack/core/driver-kit';
import { z } from 'zod';

export interface LangChainEmbedderOptions {
  embeddings: EmbeddingsInterface;
  /**
   * Names the model and its version (e.g. `openai:text-embedding-3-small`): caches never compare
   * vectors of two ids, so change it whenever the model changes.
   */
  id: string;
  /** Length of every vector; `fromLangChainEmbeddings` measures it when omitted. */
  dimensions: number;
}

const optionsSchema = z.object({
  id: idSchema,
  dimensions: z.number().int().min(1).max(65_536),
});

/**
 * LangChain `Embeddings` (OpenAI, Cohere, Ollama, …) as a core `Embedder`, e.g. for a
 * `SemanticCache`. Every answer is checked: one finite vector of `dimensions` per text.
 */
export class LangChainEmbedder implements Embedder {
  readonly id: string;
  readonly dimensions: number;
  private readonly embeddings: EmbeddingsInterface;

  constructor(options: LangChainEmbedderOptions) {
    const { embeddings, ...rest } = options;
    const parsed = parseOptions(optionsSchema, rest, { what: 'LangChainEmbedder', driver: 'langchain' });
    this.embeddings = embeddings;
    this.id = parsed.id;
    this.dimensions = parsed.dimensions;
  }

  async embed(texts: readonly string[]): Promise<number[][]> {
    if (texts.length === 0) return [];
    return checkEmbeddings(this, texts, await this.embeddings.embedDocuments([...texts]));
  }
}

/**
 * LangChain `Embeddings` as a core `Embedder`; without `dimensions`, embeds one probe text to
 * measure them.
 */
export async function fromLangChainEmbeddings(
  embeddings: EmbeddingsInterface,
  options: { id: string; dimensions?: number },
): Promise<LangChainEmbedder> {
  const dimensions = options.dimensions ?? (await embeddings.embedQuery('dimensions probe')).length;
  return new LangChainEmbedder({ embeddings, id: options.id, dimensions });
}
