// `@tristack/core`: what an application uses. Errors, clocks and id encoding live only here; every
// primitive's user API is its folder's index (also a subpath, `@tristack/core/<primitive>`, for
// bundles that load one primitive). Driver authors import `@tristack/core/driver-kit`; threshold
// calibration is `@tristack/core/calibration`. Neither is repeated here.
export {
  TristackError,
  InvalidInputError,
  InvalidOptionsError,
  BackendUnavailableError,
  AbortedError,
  unwrapTristackError,
  TRISTACK_ERROR_CODES,
  type TristackErrorCode,
  type TristackErrorOptions,
} from './errors.js';
export { systemClock, ManualClock, type Clock } from './clock.js';
export type { Discovery, DiscoveryOptions } from './inspection.js';
export {
  validateId,
  encodeKeyPart,
  decodeKeyPart,
  compositeKey,
  parseCompositeKey,
  type KeyPart,
} from './ids.js';
export * from './circuit-breaker/index.js';
export * from './lease/index.js';
export * from './conversation-memory/index.js';
export * from './audit-log/index.js';
export * from './rate-limiter/index.js';
export * from './token-stream/index.js';
export * from './broadcast/index.js';
export * from './queue/index.js';
export * from './semantic-cache/index.js';
export * from './tools/index.js';
