/**
 * The one error base of every Tristack package. `code` is stable and machine-readable;
 * the message names the driver that raised it (`[tristack] [redis] …`).
 */
const marker = Symbol.for('tristack.error');

export type TristackErrorCode =
  | 'INVALID_INPUT'
  | 'INVALID_OPTIONS'
  | 'BACKEND_UNAVAILABLE'
  | 'CONFLICT'
  | 'NOT_FOUND'
  | 'TIMEOUT'
  | 'ABORTED'
  | 'LIMIT_EXCEEDED'
  | 'CIRCUIT_OPEN'
  | 'LEASE_BUSY'
  | 'LEASE_LOST'
  | 'STREAM_FAILED'
  | 'INTEGRITY'
  | 'UNSUPPORTED'
  | 'AUTHORIZATION_REQUIRED'
  | 'TOOL_ERROR'
  | (string & {});

export interface TristackErrorOptions {
  cause?: unknown;
  /** Name of the driver or adapter that raised the error, e.g. 'redis' or 'memory'. */
  driver?: string;
  /** Extra structured context, safe to log (never secrets). */
  details?: Record<string, unknown>;
}

export class TristackError extends Error {
  /** Cross-copy marker: `isInstance` holds even when two copies of @tristack/core are installed. */
  private readonly [marker] = true;
  readonly code: TristackErrorCode;
  readonly driver: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: TristackErrorCode, message: string, options: TristackErrorOptions = {}) {
    super(`[tristack]${options.driver ? ` [${options.driver}]` : ''} ${message}`, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.driver = options.driver;
    this.details = options.details;
  }

  static isInstance(error: unknown): error is TristackError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[marker] === true;
  }

  /** True when `error` is a TristackError carrying `code`. */
  static hasCode(error: unknown, code: TristackErrorCode): error is TristackError {
    return TristackError.isInstance(error) && error.code === code;
  }
}

/** Input that fails validation. Nothing was written. */
export class InvalidInputError extends TristackError {
  readonly issues: readonly { path: readonly PropertyKey[]; message: string }[];
  constructor(
    message: string,
    options: TristackErrorOptions & {
      issues?: readonly { path: readonly PropertyKey[]; message: string }[];
    } = {},
  ) {
    super('INVALID_INPUT', message, options);
    this.issues = options.issues ?? [];
  }
}

/** Constructor options that fail validation. */
export class InvalidOptionsError extends TristackError {
  constructor(message: string, options: TristackErrorOptions = {}) {
    super('INVALID_OPTIONS', message, options);
  }
}

/** The backing store could not be reached or answered with an error. */
export class BackendUnavailableError extends TristackError {
  constructor(message: string, options: TristackErrorOptions = {}) {
    super('BACKEND_UNAVAILABLE', message, options);
  }
}
