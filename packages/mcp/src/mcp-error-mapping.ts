import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { AbortedError, type ToolError } from '@tristack/core';
import { redactToolError, redactUpstreamText } from '@tristack/core/driver-kit';

const UNKNOWN_OUTCOME = ' The call may or may not have run; do not repeat it without checking.';

/** Removes the user's own credentials (exact strings), then every credential shape. */
export function scrub(text: string, secrets: readonly string[]): string {
  return redactUpstreamText(withoutSecrets(text, secrets));
}

/** Only the user's own credential values replaced (a tool's successful output keeps its other text). */
export function withoutSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('[REDACTED]');
  return out;
}

/** Every string inside a value (a tool's output) with the user's credential values replaced. */
export function withoutSecretsDeep<T>(value: T, secrets: readonly string[]): T {
  if (secrets.length === 0) return value;
  const walk = (item: unknown): unknown => {
    if (typeof item === 'string') return withoutSecrets(item, secrets);
    if (Array.isArray(item)) return item.map(walk);
    if (item && typeof item === 'object') {
      const copy: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
      for (const [key, entry] of Object.entries(item)) copy[key] = walk(entry);
      return { ...copy };
    }
    return item;
  };
  return walk(value) as T;
}

/** The error with every text field scrubbed of the user's credentials and credential shapes. */
export function scrubToolError(error: ToolError, secrets: readonly string[]): ToolError {
  const scrubbed: ToolError = { ...error, message: scrub(error.message, secrets) };
  if (error.developerMessage !== undefined) {
    scrubbed.developerMessage = scrub(error.developerMessage, secrets);
  }
  if (error.additionalPromptContent !== undefined) {
    scrubbed.additionalPromptContent = scrub(error.additionalPromptContent, secrets);
  }
  return redactToolError(scrubbed);
}

/** True when the failure means the connection itself is unusable: the session must be reopened. */
export function breaksSession(error: unknown): boolean {
  if (error instanceof McpError) return error.code === ErrorCode.ConnectionClosed;
  if (error instanceof StreamableHTTPError) return error.code !== 429;
  return true;
}

/**
 * Maps a protocol or transport failure of a call (not an `isError` result: the tool did not
 * answer). `sideEffectsSafe` is false when repeating the call could duplicate a side effect:
 * then `canRetry` is false and the message says the outcome is unknown. An abort by the caller
 * is rethrown as `AbortedError`.
 */
export function mapMcpRequestError(
  error: unknown,
  options: { sideEffectsSafe: boolean; aborted: boolean; driver: string; secrets: readonly string[] },
): ToolError {
  if (options.aborted) {
    throw new AbortedError('the MCP call was aborted', { driver: options.driver, cause: error });
  }
  return scrubToolError(mapRequestError(error, options.sideEffectsSafe), options.secrets);
}

function mapRequestError(error: unknown, sideEffectsSafe: boolean): ToolError {
  const developerMessage = error instanceof Error ? error.message : String(error);
  const uncertain = (message: string, providerKind: string, statusCode?: number): ToolError => ({
    kind: 'unavailable',
    message: sideEffectsSafe ? message : message + UNKNOWN_OUTCOME,
    canRetry: sideEffectsSafe,
    providerKind,
    developerMessage,
    ...(statusCode !== undefined ? { statusCode } : {}),
  });
  if (error instanceof McpError) {
    switch (error.code) {
      case ErrorCode.RequestTimeout:
        return uncertain('the MCP server did not answer in time.', 'timeout');
      case ErrorCode.ConnectionClosed:
        return uncertain('the connection to the MCP server closed.', 'connection_closed');
      case ErrorCode.InvalidParams:
        return {
          kind: 'invalid_input',
          message: `the MCP server rejected the arguments: ${error.message}`,
          canRetry: true,
          providerKind: `mcp_${error.code}`,
        };
      case ErrorCode.MethodNotFound:
        return {
          kind: 'fatal',
          message: 'the MCP server does not support tool calls.',
          canRetry: false,
          providerKind: `mcp_${error.code}`,
          developerMessage,
        };
      case ErrorCode.InternalError:
        return {
          kind: 'fatal',
          message: 'the MCP server failed while running the tool.',
          canRetry: false,
          providerKind: `mcp_${error.code}`,
          developerMessage,
        };
      default:
        return {
          kind: 'unknown',
          message: `the MCP server answered with error ${error.code}.`,
          canRetry: false,
          providerKind: `mcp_${error.code}`,
          developerMessage,
        };
    }
  }
  if (error instanceof StreamableHTTPError) {
    const status = error.code ?? 0;
    if (status === 429) {
      return {
        kind: 'rate_limited',
        message: 'the MCP server is rate limiting requests.',
        canRetry: true,
        providerKind: 'http_429',
        statusCode: status,
      };
    }
    if (status === 401 || status === 403) {
      return {
        kind: 'upstream',
        message: `the MCP server refused this user's credentials (HTTP ${status}).`,
        canRetry: false,
        providerKind: `http_${status}`,
        statusCode: status,
        developerMessage,
      };
    }
    if (status >= 500 || status === 408 || status === 404) {
      return uncertain(`the MCP server failed with HTTP ${status}.`, `http_${status}`, status);
    }
    return {
      kind: 'unknown',
      message: `the MCP server rejected the call (HTTP ${status}).`,
      canRetry: false,
      providerKind: `http_${status}`,
      statusCode: status,
      developerMessage,
    };
  }
  if (error instanceof UnauthorizedError) {
    return {
      kind: 'upstream',
      message: "the MCP server refused this user's authorization.",
      canRetry: false,
      providerKind: 'unauthorized',
      developerMessage,
    };
  }
  return uncertain('the MCP server could not be reached.', 'connection');
}
