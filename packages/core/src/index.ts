export {
  TristackError,
  InvalidInputError,
  InvalidOptionsError,
  BackendUnavailableError,
  type TristackErrorCode,
  type TristackErrorOptions,
} from './errors.js';
export { parseInput, parseOptions } from './validation.js';
export { systemClock, ManualClock, type Clock } from './clock.js';
export { MAX_ID_LENGTH, idSchema, validateId, escapeKeyPart, unescapeKeyPart } from './ids.js';
export type { RedisArgument, RedisCommandOptions, RedisConnection } from './redis-connection.js';
