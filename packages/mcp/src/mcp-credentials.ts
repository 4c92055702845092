import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';

/** The trusted identity a session belongs to: from the run context, never from model arguments. */
export interface McpIdentity {
  userId: string;
  tenantId?: string | undefined;
}

/** What one user's session presents to the MCP server. Never logged, never put in a result or an audit event. */
export interface McpCredentials {
  /** Sent as `Authorization: Bearer …` (HTTP), or in `tokenEnvironmentVariable` (stdio). */
  bearerToken?: string;
  /** Extra request headers (HTTP only), e.g. an API key header. */
  headers?: Record<string, string>;
  /**
   * The SDK's OAuth client for this user (HTTP only). It must keep the user's tokens and PKCE
   * verifier between calls (e.g. in your session store): a 401 from the server then becomes an
   * `authorization_required` result carrying the consent URL.
   */
  authProvider?: OAuthClientProvider;
  /** Environment of the spawned server process (stdio only). */
  env?: Record<string, string>;
}

/**
 * Maps the trusted identity to that user's credentials. Called before each call: when the answer
 * changes (a rotated token), the user's session is reopened with the new credentials.
 */
export type ResolveMcpCredentials = (
  identity: McpIdentity,
) => McpCredentials | undefined | Promise<McpCredentials | undefined>;
