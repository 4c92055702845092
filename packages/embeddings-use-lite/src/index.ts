export {
  UseLiteEmbedder,
  USE_LITE_DEFAULT_THRESHOLD,
  type UseLiteEmbedderOptions,
} from './use-lite-embedder.js';
export { EMPTY_TEXT_VECTOR } from './empty-text-vector.js';
export {
  loadUseLiteModel,
  USE_LITE_DIMENSIONS,
  USE_LITE_MODEL_PACKAGE,
  USE_LITE_MODEL_VERSION,
  type SentenceModel,
} from './use-lite-model.js';
