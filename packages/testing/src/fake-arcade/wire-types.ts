/**
 * Arcade engine JSON shapes as `@arcadeai/arcadejs` 2.4.1 sends and parses them (see the Arcade
 * reference note). Kept here so `@tristack/testing` does not depend on the client.
 */

/** `val_type` ∈ string | integer | number | boolean | json | array; newer engines add structure. */
export interface WireValueSchema {
  val_type: string;
  inner_val_type?: string;
  enum?: string[];
  /** Structured `json` values: one schema per field. */
  properties?: Record<string, WireValueSchema>;
  required_keys?: string[];
  /** Structured items of an `array` whose `inner_val_type` is `json`. */
  inner_properties?: Record<string, WireValueSchema>;
  inner_required_keys?: string[];
  nullable?: boolean;
  description?: string;
}

export interface WireParameter {
  name: string;
  required?: boolean;
  description?: string;
  /** Whether a model may supply the value; the application supplies it otherwise. */
  inferrable?: boolean;
  value_schema: WireValueSchema;
}

export interface WireToolDefinition {
  fully_qualified_name: string;
  qualified_name: string;
  name: string;
  description?: string;
  toolkit: { name: string; description?: string; version?: string };
  input: { parameters?: WireParameter[] };
  output?: { available_modes?: string[]; description?: string; value_schema?: WireValueSchema };
  requirements?: {
    met?: boolean;
    authorization?: {
      id?: string;
      provider_id?: string;
      provider_type?: string;
      oauth2?: { scopes?: string[] };
      status?: 'active' | 'inactive';
      status_reason?: string;
      token_status?: 'not_started' | 'pending' | 'completed' | 'failed';
    };
    secrets?: { key: string; met?: boolean; status_reason?: string }[];
  };
  metadata?: {
    behavior?: {
      read_only?: boolean;
      destructive?: boolean;
      idempotent?: boolean;
      open_world?: boolean;
      operations?: string[];
    };
    classification?: { service_domains?: string[] };
    extras?: Record<string, unknown>;
  };
  formatted_schema?: Record<string, unknown>;
}

export type WireAuthorizationStatus = 'not_started' | 'pending' | 'completed' | 'failed';

export interface WireAuthorizationResponse {
  id?: string;
  provider_id?: string;
  user_id?: string;
  scopes?: string[];
  status?: WireAuthorizationStatus;
  url?: string;
  context?: { token?: string; user_info?: Record<string, unknown> };
}

export type WireToolErrorKind =
  | 'TOOLKIT_LOAD_FAILED'
  | 'TOOL_DEFINITION_BAD_DEFINITION'
  | 'TOOL_DEFINITION_BAD_INPUT_SCHEMA'
  | 'TOOL_DEFINITION_BAD_OUTPUT_SCHEMA'
  | 'TOOL_REQUIREMENTS_NOT_MET'
  | 'TOOL_RUNTIME_BAD_INPUT_VALUE'
  | 'TOOL_RUNTIME_BAD_OUTPUT_VALUE'
  | 'TOOL_RUNTIME_RETRY'
  | 'TOOL_RUNTIME_CONTEXT_REQUIRED'
  | 'TOOL_RUNTIME_FATAL'
  | 'CONTEXT_CHECK_FAILED'
  | 'CONTEXT_DENIED'
  | 'UPSTREAM_RUNTIME_BAD_REQUEST'
  | 'UPSTREAM_RUNTIME_AUTH_ERROR'
  | 'UPSTREAM_RUNTIME_NOT_FOUND'
  | 'UPSTREAM_RUNTIME_VALIDATION_ERROR'
  | 'UPSTREAM_RUNTIME_RATE_LIMIT'
  | 'UPSTREAM_RUNTIME_SERVER_ERROR'
  | 'UPSTREAM_RUNTIME_UNMAPPED'
  | 'NETWORK_TRANSPORT_RUNTIME_TIMEOUT'
  | 'NETWORK_TRANSPORT_RUNTIME_UNREACHABLE'
  | 'NETWORK_TRANSPORT_RUNTIME_UNMAPPED'
  | 'UNKNOWN';

export interface WireToolError {
  message: string;
  kind: WireToolErrorKind;
  can_retry: boolean;
  additional_prompt_content?: string;
  developer_message?: string;
  retry_after_ms?: number;
  status_code?: number;
  stacktrace?: string;
  extra?: Record<string, unknown>;
}

export interface WireExecuteResponse {
  id?: string;
  execution_id?: string;
  execution_type?: string;
  status?: string;
  run_at?: string;
  finished_at?: string;
  duration?: number;
  success?: boolean;
  output?: {
    value?: unknown;
    error?: WireToolError;
    authorization?: WireAuthorizationResponse;
    logs?: { level: string; message: string; subtype?: string }[];
  };
}

/** The engine's error body (`schemas.Error`): `name` is a snake_case code. */
export interface WireError {
  name?: string;
  message?: string;
}
