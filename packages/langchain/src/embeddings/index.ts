export { EmbedderEmbeddings, toLangChainEmbeddings } from './embedder-embeddings.js';
export {
  LangChainEmbedder,
  fromLangChainEmbeddings,
  type LangChainEmbedderOptions,
} from './langchain-embedder.js';
