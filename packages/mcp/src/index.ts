// `@tristack/mcp`: any Model Context Protocol server as a governed Tristack `ToolProvider`.
// Sessions, schema conversion and error mapping behind the provider are internal.
export { McpToolProvider } from './mcp-tool-provider.js';
export type { McpToolProviderOptions, McpTransportOptions } from './mcp-tool-provider-options.js';
export type { McpCredentials, McpIdentity, ResolveMcpCredentials } from './mcp-credentials.js';
export type { CompleteMcpAuthorizationRequest } from './mcp-complete-authorization-request.js';
export type { McpProgress } from './mcp-progress.js';
export type { McpContentBlock, McpToolOutput } from './mcp-result-mapping.js';
export { McpAuthorizationRequiredError } from './mcp-authorization-required-error.js';
