export * from './middleware/index.js';
export * from './model/index.js';
export * from './tools/index.js';
export * from './chat-history/index.js';
export * from './cache/index.js';
export * from './embeddings/index.js';
export * from './streaming/index.js';
export * from './lease/index.js';
