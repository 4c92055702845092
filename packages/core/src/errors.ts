// The error classes, one file each under ./errors/. Kept as a file (not errors/index.ts) so the
// folder does not become a `@tristack/core/errors` subpath; every import of './errors.js' still works.
export { TRISTACK_ERROR_CODES, type TristackErrorCode } from './errors/tristack-error-codes.js';
export { TristackError, type TristackErrorOptions } from './errors/tristack-error.js';
export { InvalidInputError } from './errors/invalid-input-error.js';
export { InvalidOptionsError } from './errors/invalid-options-error.js';
export { BackendUnavailableError } from './errors/backend-unavailable-error.js';
export { AbortedError } from './errors/aborted-error.js';
export { unwrapTristackError } from './errors/unwrap.js';
