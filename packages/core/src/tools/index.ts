// The tool layer's user API (also exported from the package root). Material for tool-provider authors
// (governance, input validation, request schemas) is exported from ../driver-kit/index.ts instead.
export type {
  JsonSchema,
  ToolBehavior,
  ToolAuthorizationRequirement,
  ToolSecretRequirement,
  ToolRequirements,
  ToolDefinition,
} from './tool-definition.js';
export type {
  ToolErrorKind,
  ToolError,
  ToolAuthorizationStatus,
  ToolResultBase,
  ToolSuccessResult,
  ToolErrorResult,
  ToolAuthorizationRequest,
  ToolAuthorizationRequiredResult,
  ToolApprovalRequiredResult,
  ToolResult,
  ToolResultStatus,
} from './tool-result.js';
export type {
  ListToolsRequest,
  ToolApproval,
  ExecuteToolRequest,
  WaitForAuthorizationRequest,
  AuthorizationWaitResult,
  ToolProvider,
} from './tool-provider.js';
export {
  StaticToolPolicy,
  allowAllToolPolicy,
  type ToolPolicy,
  type ToolPolicyContext,
  type ToolPolicyDecision,
  type ToolPolicyRule,
  type StaticToolPolicyOptions,
} from './tool-policy.js';
export type { ToolGovernanceSettings } from './tool-governance.js';
export type {
  ToolContentTelemetry,
  ToolContentTelemetryOptions,
} from '../telemetry/tool-content-telemetry.js';
export { ToolExecutionError } from './tool-execution-error.js';
export {
  LocalToolProvider,
  defineLocalTool,
  type LocalTool,
  type LocalToolContext,
  type LocalToolProviderOptions,
} from './local-tool-provider.js';
export { CompositeToolProvider, type CompositeToolProviderOptions } from './composite-tool-provider.js';
