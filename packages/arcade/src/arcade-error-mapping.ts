import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  type Arcade,
} from '@arcadeai/arcadejs';
import { AbortedError } from '@tristack/core';
import { redactToolError, redactUpstreamText } from '@tristack/core/driver-kit';
import type { ToolError, ToolErrorKind } from '@tristack/core';

// Shared with every tool provider (core driver kit); re-exported for this package's modules.
export { redactToolError, redactUpstreamText };

type ArcadeToolErrorKind = Arcade.ExecuteToolResponse.Output.Error['kind'];

const KINDS: Record<ArcadeToolErrorKind, ToolErrorKind> = {
  TOOLKIT_LOAD_FAILED: 'fatal',
  TOOL_DEFINITION_BAD_DEFINITION: 'fatal',
  TOOL_DEFINITION_BAD_INPUT_SCHEMA: 'fatal',
  TOOL_DEFINITION_BAD_OUTPUT_SCHEMA: 'fatal',
  TOOL_REQUIREMENTS_NOT_MET: 'fatal',
  TOOL_RUNTIME_BAD_INPUT_VALUE: 'invalid_input',
  TOOL_RUNTIME_BAD_OUTPUT_VALUE: 'fatal',
  TOOL_RUNTIME_RETRY: 'retry',
  TOOL_RUNTIME_CONTEXT_REQUIRED: 'context_required',
  TOOL_RUNTIME_FATAL: 'fatal',
  CONTEXT_CHECK_FAILED: 'denied',
  CONTEXT_DENIED: 'denied',
  UPSTREAM_RUNTIME_BAD_REQUEST: 'upstream',
  UPSTREAM_RUNTIME_AUTH_ERROR: 'upstream',
  UPSTREAM_RUNTIME_NOT_FOUND: 'upstream',
  UPSTREAM_RUNTIME_VALIDATION_ERROR: 'upstream',
  UPSTREAM_RUNTIME_RATE_LIMIT: 'rate_limited',
  UPSTREAM_RUNTIME_SERVER_ERROR: 'unavailable',
  UPSTREAM_RUNTIME_UNMAPPED: 'upstream',
  NETWORK_TRANSPORT_RUNTIME_TIMEOUT: 'unavailable',
  NETWORK_TRANSPORT_RUNTIME_UNREACHABLE: 'unavailable',
  NETWORK_TRANSPORT_RUNTIME_UNMAPPED: 'unavailable',
  UNKNOWN: 'unknown',
};

/** Tool error kinds worth an automatic retry (when the call is idempotent): transient by nature. */
export const TRANSIENT_ARCADE_KINDS: ReadonlySet<string> = new Set([
  'UPSTREAM_RUNTIME_RATE_LIMIT',
  'UPSTREAM_RUNTIME_SERVER_ERROR',
  'NETWORK_TRANSPORT_RUNTIME_TIMEOUT',
  'NETWORK_TRANSPORT_RUNTIME_UNREACHABLE',
  'NETWORK_TRANSPORT_RUNTIME_UNMAPPED',
]);

/** Maps a `success: false` tool error from `POST /v1/tools/execute` (HTTP 200). */
export function mapArcadeToolError(error: Arcade.ExecuteToolResponse.Output.Error): ToolError {
  return redactToolError({
    kind: KINDS[error.kind] ?? 'unknown',
    message: error.message,
    canRetry: error.can_retry,
    providerKind: error.kind,
    ...(error.retry_after_ms !== undefined ? { retryAfterMs: error.retry_after_ms } : {}),
    ...(error.additional_prompt_content !== undefined
      ? { additionalPromptContent: error.additional_prompt_content }
      : {}),
    ...(error.developer_message !== undefined ? { developerMessage: error.developer_message } : {}),
    ...(error.status_code !== undefined ? { statusCode: error.status_code } : {}),
  });
}

/** `retry-after-ms`, then `retry-after` (seconds or an HTTP date), as the client reads them. */
export function retryAfterFromHeaders(headers: Headers | undefined): number | undefined {
  const milliseconds = Number(headers?.get('retry-after-ms'));
  if (headers?.get('retry-after-ms') && Number.isFinite(milliseconds)) return milliseconds;
  const value = headers?.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(date - Date.now(), 0);
}

const UNKNOWN_OUTCOME = ' The call may or may not have run; do not repeat it without checking.';

/**
 * Maps a transport or HTTP failure of a call. `sideEffectsSafe` is false when repeating the call
 * could duplicate a side effect: then `canRetry` is false and the message says the outcome is unknown.
 * A 403 never reaches here (it is the re-authorization path); an abort is rethrown.
 */
export function mapArcadeRequestError(error: unknown, sideEffectsSafe: boolean, driver: string): ToolError {
  return redactToolError(mapRequestError(error, sideEffectsSafe, driver));
}

function mapRequestError(error: unknown, sideEffectsSafe: boolean, driver: string): ToolError {
  if (error instanceof APIUserAbortError) {
    throw new AbortedError('the Arcade call was aborted', { driver, cause: error });
  }
  const uncertain = (message: string, providerKind: string, statusCode?: number): ToolError => ({
    kind: 'unavailable',
    message: sideEffectsSafe ? message : message + UNKNOWN_OUTCOME,
    canRetry: sideEffectsSafe,
    providerKind,
    ...(statusCode !== undefined ? { statusCode } : {}),
  });
  if (error instanceof APIConnectionTimeoutError)
    return uncertain('Arcade did not answer in time.', 'timeout');
  if (error instanceof APIConnectionError) return uncertain('Arcade could not be reached.', 'connection');
  if (!(error instanceof APIError)) {
    return {
      kind: 'unknown',
      message: 'the tool call failed unexpectedly',
      canRetry: false,
      developerMessage: error instanceof Error ? error.message : String(error),
    };
  }
  const status = error.status ?? 0;
  const code = (error.error as { name?: unknown } | undefined)?.name;
  const providerKind = typeof code === 'string' ? code : `http_${status}`;
  if (status === 429) {
    const retryAfterMs = retryAfterFromHeaders(error.headers);
    return {
      kind: 'rate_limited',
      message: 'Arcade is rate limiting requests.',
      canRetry: true,
      providerKind,
      statusCode: status,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    };
  }
  if (status >= 500 || status === 408 || status === 409) {
    return uncertain(`Arcade failed with HTTP ${status}.`, providerKind, status);
  }
  if (status === 404 || code === 'tool_not_found') {
    return {
      kind: 'not_found',
      message: 'Arcade does not know this tool.',
      canRetry: false,
      providerKind,
      statusCode: status,
    };
  }
  if (status === 401) {
    return {
      kind: 'fatal',
      message: 'the tool provider is misconfigured.',
      developerMessage: 'Arcade rejected the API key (401).',
      canRetry: false,
      providerKind,
      statusCode: status,
    };
  }
  return {
    kind: status === 400 ? 'fatal' : 'unknown',
    message: `Arcade rejected the call (HTTP ${status}).`,
    developerMessage: error.message,
    canRetry: false,
    providerKind,
    statusCode: status,
  };
}
