import { TristackError, type TristackErrorOptions } from './tristack-error.js';

const marker = Symbol.for('tristack.error.AbortedError');

/**
 * The operation stopped because the caller asked it to: an aborted `signal`, a cancelled job, a
 * closed queue. Not a failure of the backend; retrying only makes sense if the caller still wants it.
 */
export class AbortedError extends TristackError {
  private readonly [marker] = true;

  constructor(message: string, options: TristackErrorOptions = {}) {
    super('ABORTED', message, options);
  }

  static override isInstance(error: unknown): error is AbortedError {
    return TristackError.hasMarker(error, marker);
  }
}
