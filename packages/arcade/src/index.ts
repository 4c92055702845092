// `@tristack/arcade`: Arcade tools as a Tristack `ToolProvider`. Failures surface as `ToolResult` errors
// (`ToolExecutionError` and the other error classes come from `@tristack/core`); the schema conversion,
// error mapping and token redaction behind the provider are internal.
export { ArcadeToolProvider } from './arcade-tool-provider.js';
export type { ArcadeToolProviderOptions } from './arcade-tool-provider-options.js';
export { defaultArcadeUserId, type ArcadeCaller } from './arcade-user-id.js';
