export {
  toAiSdkTools,
  type ToAiSdkToolsOptions,
  type AiSdkToolOutput,
  type ToolAuthorizationOutput,
  type ToolApprovalOutput,
  type ToolErrorOutput,
} from './to-ai-sdk-tools.js';
export { ToolApprovalNotIssuedError } from './issued-tool-approvals.js';
