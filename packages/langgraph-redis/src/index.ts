export * from './checkpoint-saver/index.js';
export * from './store/index.js';
export * from './node-cache/index.js';
