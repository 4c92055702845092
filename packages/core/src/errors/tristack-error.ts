import type { TristackErrorCode } from './tristack-error-codes.js';

/**
 * Cross-copy marker: `Symbol.for` returns the same symbol in every copy of @tristack/core, so the
 * guards hold when an application ends up with two installed copies (where `instanceof` fails).
 */
const marker = Symbol.for('tristack.error');

export interface TristackErrorOptions {
  cause?: unknown;
  /** Name of the driver or adapter that raised the error, e.g. 'redis' or 'memory'. */
  driver?: string;
  /** Extra structured context, safe to log (never secrets). */
  details?: Record<string, unknown>;
}

/**
 * The one error base of every Tristack package. `code` is stable and machine-readable;
 * the message names the driver that raised it (`[tristack] [redis] …`). Every subclass carries
 * its own marker (`Symbol.for('tristack.error.<ClassName>')`) and its own `static isInstance`.
 */
export class TristackError extends Error {
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

  /** True for every Tristack error, of any class and from any copy of the package. */
  static isInstance(error: unknown): error is TristackError {
    return TristackError.hasMarker(error, marker);
  }

  /** True when `error` is a TristackError carrying `code`. */
  static hasCode(error: unknown, code: TristackErrorCode): error is TristackError {
    return TristackError.isInstance(error) && error.code === code;
  }

  /** For subclasses' `isInstance`: does `error` carry `classMarker`? */
  protected static hasMarker(error: unknown, classMarker: symbol): boolean {
    return (
      typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[classMarker] === true
    );
  }
}
