import { TristackError } from '../errors.js';
import type { ToolError, ToolErrorKind } from './tool-result.js';

const marker = Symbol.for('tristack.error.ToolExecutionError');

/**
 * Thrown by a local tool to fail with a typed, model-visible error instead of a generic `fatal`
 * one. The provider turns it into a `tool_error` result; it never reaches the agent loop.
 */
export class ToolExecutionError extends TristackError {
  private readonly [marker] = true;
  readonly kind: ToolErrorKind;
  readonly canRetry: boolean;
  readonly retryAfterMs: number | undefined;
  readonly additionalPromptContent: string | undefined;
  /** The message as given, without the `[tristack]` prefix: this is what the model sees. */
  readonly modelMessage: string;

  constructor(
    kind: ToolErrorKind,
    message: string,
    options: {
      canRetry?: boolean;
      retryAfterMs?: number;
      additionalPromptContent?: string;
      cause?: unknown;
    } = {},
  ) {
    super('TOOL_ERROR', message, { cause: options.cause, driver: 'tools' });
    this.kind = kind;
    this.modelMessage = message;
    this.canRetry = options.canRetry ?? false;
    this.retryAfterMs = options.retryAfterMs;
    this.additionalPromptContent = options.additionalPromptContent;
  }

  static override isInstance(error: unknown): error is ToolExecutionError {
    return TristackError.hasMarker(error, marker);
  }

  toToolError(): ToolError {
    return {
      kind: this.kind,
      message: this.modelMessage,
      canRetry: this.canRetry,
      ...(this.retryAfterMs !== undefined ? { retryAfterMs: this.retryAfterMs } : {}),
      ...(this.additionalPromptContent !== undefined
        ? { additionalPromptContent: this.additionalPromptContent }
        : {}),
    };
  }
}
