// `@tristack/ai-sdk`: the Tristack primitives under the Vercel AI SDK — language-model middleware
// for `wrapLanguageModel`, a `ToolProvider`'s tools as AI SDK tools, and UI message streams on a
// `TokenStream` (resumable on any worker, stoppable from any instance).
export * from './middleware/index.js';
export * from './tools/index.js';
export * from './streaming/index.js';
