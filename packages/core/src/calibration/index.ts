// `@tristack/core/calibration`: measure an embedder (and guard) on labelled pairs and choose a semantic
// cache threshold. Offline tooling (the CLI's `cache calibrate`), so it is not part of the root.
export * from '../semantic-cache/calibration/index.js';
