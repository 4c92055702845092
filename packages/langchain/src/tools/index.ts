export {
  toLangChainTools,
  type ToLangChainToolsOptions,
  type ToolAuthorizationInterrupt,
  type ToolApprovalInterrupt,
} from './to-langchain-tools.js';
