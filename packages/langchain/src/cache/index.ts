export { TristackLlmCache, type TristackLlmCacheOptions } from './tristack-llm-cache.js';
