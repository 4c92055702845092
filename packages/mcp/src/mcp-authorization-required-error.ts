import { BackendUnavailableError, type ToolAuthorizationRequest } from '@tristack/core';

const marker = Symbol.for('tristack.error.McpAuthorizationRequiredError');

/**
 * `listTools` for a user who has not yet authorized the MCP server (it answered 401 with an OAuth
 * challenge). `authorization.url` is the consent URL: show it to the user, never to a model or a log
 * (the message does not contain it). `execute` answers `authorization_required` instead of throwing.
 */
export class McpAuthorizationRequiredError extends BackendUnavailableError {
  private readonly [marker] = true;
  readonly authorization: ToolAuthorizationRequest;

  constructor(authorization: ToolAuthorizationRequest, options: { driver: string; cause?: unknown }) {
    super('the user must authorize the MCP server before its tools can be listed', options);
    this.authorization = authorization;
  }

  static override isInstance(error: unknown): error is McpAuthorizationRequiredError {
    return (
      BackendUnavailableError.isInstance(error) &&
      (error as unknown as Record<symbol, unknown>)[marker] === true
    );
  }
}
