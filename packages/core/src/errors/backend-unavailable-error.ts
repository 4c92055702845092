import { TristackError, type TristackErrorOptions } from './tristack-error.js';

const marker = Symbol.for('tristack.error.BackendUnavailableError');

/** The backing store could not be reached or answered with an error. */
export class BackendUnavailableError extends TristackError {
  private readonly [marker] = true;

  constructor(message: string, options: TristackErrorOptions = {}) {
    super('BACKEND_UNAVAILABLE', message, options);
  }

  static override isInstance(error: unknown): error is BackendUnavailableError {
    return TristackError.hasMarker(error, marker);
  }
}
