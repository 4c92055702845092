import { TelemetryAttribute as A } from '../telemetry/telemetry-attributes.js';
import { markSpanFailed, telemetryToolName, type TelemetrySpan } from '../telemetry/tristack-telemetry.js';
import type { ToolDefinition } from './tool-definition.js';
import type { ToolResult } from './tool-result.js';

/** `success`, the error kind of a `tool_error` (`denied`, `rate_limited`…), or the pending status. */
function resultStatus(result: ToolResult): string {
  return result.status === 'tool_error' ? result.error.kind : result.status;
}

/**
 * The bounded attributes of `tristack.tool.executions`: the name of a tool the provider knows
 * (`_OTHER` for any other name) and the outcome, never arguments.
 */
export function toolMetricAttributes(
  tool: ToolDefinition | undefined,
  result: ToolResult,
): Record<string, string> {
  return { [A.toolName]: telemetryToolName(tool?.name), [A.toolOutcome]: resultStatus(result) };
}

/**
 * What governance decided, on the `execute_tool` span: provider, toolkit, result status and
 * authorization state. Never the arguments, the output or the error message.
 */
export function describeToolResult(
  span: TelemetrySpan,
  provider: string,
  tool: ToolDefinition | undefined,
  result: ToolResult,
): void {
  if (!span.isRecording()) return;
  span.setAttribute(A.toolProvider, provider);
  if (tool?.toolkit) span.setAttribute(A.toolkit, tool.toolkit);
  span.setAttribute(A.toolResultStatus, resultStatus(result));
  if (result.authorizationStatus) span.setAttribute(A.toolAuthorization, result.authorizationStatus);
  if (result.status === 'tool_error') markSpanFailed(span, undefined, result.error.kind);
}
