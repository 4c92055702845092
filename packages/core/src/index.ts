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
