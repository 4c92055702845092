export {
  FakeArcadeServer,
  type FakeArcadeServerOptions,
  type RecordedRequest,
  type RecordedExecution,
  type FakeToolOutcome,
} from './fake-arcade-server.js';
export {
  defaultFakeArcadeCatalogue,
  FakeToolFailure,
  type FakeArcadeTool,
  type FakeToolContext,
} from './catalogue.js';
export type { FakeGrant, FakeAuthorization } from './fake-arcade-auth.js';
export type { FakeArcadeFault, FakeArcadeFaultRule } from './faults.js';
export type * from './wire-types.js';
