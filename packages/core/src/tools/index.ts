export type {
  JsonSchema,
  ToolBehavior,
  ToolAuthorizationRequirement,
  ToolSecretRequirement,
  ToolRequirements,
  ToolDefinition,
} from './tool-definition.js';
export { isWriteTool, isInToolkits } from './tool-definition.js';
export {
  TOOL_ERROR_KINDS,
  type ToolErrorKind,
  type ToolError,
  type ToolAuthorizationStatus,
  type ToolResultBase,
  type ToolSuccessResult,
  type ToolErrorResult,
  type ToolAuthorizationRequest,
  type ToolAuthorizationRequiredResult,
  type ToolApprovalRequiredResult,
  type ToolResult,
  type ToolResultStatus,
} from './tool-result.js';
export {
  toolCallerSchema,
  listToolsRequestSchema,
  toolApprovalSchema,
  executeToolRequestSchema,
  waitForAuthorizationRequestSchema,
  type ListToolsRequest,
  type ToolApproval,
  type ExecuteToolRequest,
  type ParsedExecuteToolRequest,
  type WaitForAuthorizationRequest,
  type AuthorizationWaitResult,
  type ToolProvider,
} from './tool-provider.js';
export {
  StaticToolPolicy,
  allowAllToolPolicy,
  toolPolicyRuleSchema,
  type ToolPolicy,
  type ToolPolicyContext,
  type ToolPolicyDecision,
  type ToolPolicyRule,
  type StaticToolPolicyOptions,
} from './tool-policy.js';
export {
  ToolGovernance,
  type ToolGovernanceOptions,
  type ToolGovernanceSettings,
} from './tool-governance.js';
export { ToolCallAudit, type ToolCallDecision } from './tool-call-audit.js';
export {
  defaultToolRateLimitKey,
  defaultToolCircuitNames,
  checkToolRateLimit,
  acquireToolCircuits,
  circuitOutcomeOf,
  type ToolCallTarget,
} from './tool-call-limits.js';
export { ToolExecutionError } from './tool-execution-error.js';
export { validateToolInput, type ToolInputValidation } from './validate-tool-input.js';
export {
  LocalToolProvider,
  defineLocalTool,
  type LocalTool,
  type LocalToolContext,
  type LocalToolProviderOptions,
} from './local-tool-provider.js';
export { CompositeToolProvider, type CompositeToolProviderOptions } from './composite-tool-provider.js';
