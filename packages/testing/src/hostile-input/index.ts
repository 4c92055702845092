export { HOSTILE_VALUE_NAMES, hostileValue, type HostileValueName } from './hostile-values.js';
export { settle, describeError } from './settle.js';
export { FUZZ_SEED, hostileIds } from './hostile-ids.js';
export {
  IdentityTally,
  hasNoLoneSurrogate,
  isAcceptableId,
  inChunks,
  summaryTable,
  type Outcome,
} from './identity-tally.js';
export { expectIsolated } from './expect-isolated.js';
export {
  markerOf,
  prefixFor,
  type FuzzCase,
  type FuzzDriverFactory,
  type FuzzTarget,
  type NamedFuzzCase,
  type RedisFuzzClient,
} from './fuzz-target.js';
export { runIdentityFuzz, type FuzzServer, type IdentityFuzzOptions } from './run-identity-fuzz.js';
export { stateFuzzCases, type StateFuzzDrivers, type StateFuzzOptions } from './state-fuzz-cases.js';
export { describeHostileInput } from './describe-hostile-input.js';
export type { StateDrivers } from './state-drivers.js';
