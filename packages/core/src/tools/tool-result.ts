/**
 * Normalised error kinds. `providerKind` keeps the provider's own code (e.g. Arcade's
 * `TOOL_RUNTIME_RETRY`) for logs and dashboards.
 */
export type ToolErrorKind =
  /** The arguments do not match the tool's schema: the model can fix them. */
  | 'invalid_input'
  /** The tool asks the model to try again, usually with `additionalPromptContent`. */
  | 'retry'
  /** The tool needs more context from the user or orchestrator before it can run. */
  | 'context_required'
  /** A rate limit (upstream or local): wait `retryAfterMs`. */
  | 'rate_limited'
  /** The provider or upstream is down, timed out or its circuit is open. */
  | 'unavailable'
  /** The upstream service rejected the call (bad request, not found, validation, auth). */
  | 'upstream'
  /** Policy forbids this tool for this user. */
  | 'denied'
  /** No such tool for this user. */
  | 'not_found'
  /** A failure retrying will not fix (tool bug, misconfiguration, missing secret). */
  | 'fatal'
  | 'unknown';

export const TOOL_ERROR_KINDS: readonly ToolErrorKind[] = [
  'invalid_input',
  'retry',
  'context_required',
  'rate_limited',
  'unavailable',
  'upstream',
  'denied',
  'not_found',
  'fatal',
  'unknown',
];

export interface ToolError {
  kind: ToolErrorKind;
  /** Safe to show to the model. Never contains tokens or secrets. */
  message: string;
  /** Whether calling again (same input, after `retryAfterMs`) can succeed. */
  canRetry: boolean;
  retryAfterMs?: number;
  /** Extra text for the model (Arcade's `additional_prompt_content`). */
  additionalPromptContent?: string;
  /** For developers and logs, not for the model. */
  developerMessage?: string;
  /** The provider's own error code, e.g. `TOOL_RUNTIME_RETRY`, `http_503`. */
  providerKind?: string;
  /** Upstream HTTP status, when known. */
  statusCode?: number;
}

/** How the call stood with respect to OAuth: recorded in the audit trail. */
export type ToolAuthorizationStatus = 'not_required' | 'authorized' | 'required' | 'revoked';

/** Fields every result carries. */
export interface ToolResultBase {
  /** Provider that handled the call. */
  provider: string;
  /** Model-facing tool name. */
  toolName: string;
  toolVersion?: string;
  /** The provider's execution id (Arcade's `execution_id`), when the call reached the provider. */
  executionId?: string;
  authorizationStatus?: ToolAuthorizationStatus;
  /** Wall time of the call, measured by the provider. */
  durationMs?: number;
}

export interface ToolSuccessResult extends ToolResultBase {
  status: 'success';
  output: unknown;
}

export interface ToolErrorResult extends ToolResultBase {
  status: 'tool_error';
  error: ToolError;
}

/**
 * What a user must do to let the tool run: open `url`, grant `scopes`. Never carries a token.
 * The LangChain adapter turns it into an interrupt; the tool is called again after consent.
 */
export interface ToolAuthorizationRequest {
  /** Provider's authorization id (Arcade `ac_…`): poll it with `waitForAuthorization`. */
  id: string;
  /** Consent URL for the user. Treat as a secret: show it to the user, never to the model or logs. */
  url: string;
  providerId?: string;
  scopes: string[];
  /** `revoked`: the call was authorized a moment ago and the grant disappeared mid-run. */
  reason: 'not_authorized' | 'revoked';
}

export interface ToolAuthorizationRequiredResult extends ToolResultBase {
  status: 'authorization_required';
  authorization: ToolAuthorizationRequest;
}

/** Policy wants a human to approve this call; call again with `approval` once approved. */
export interface ToolApprovalRequiredResult extends ToolResultBase {
  status: 'approval_required';
  approval: {
    reason: string;
    readOnly: boolean;
    destructive: boolean;
    operations?: string[];
  };
}

/** The outcome of `ToolProvider.execute`: being denied or unauthorized is a result, not an exception. */
export type ToolResult =
  ToolSuccessResult | ToolErrorResult | ToolAuthorizationRequiredResult | ToolApprovalRequiredResult;

export type ToolResultStatus = ToolResult['status'];
