import { TristackError, type TristackErrorOptions } from './tristack-error.js';

const marker = Symbol.for('tristack.error.InvalidOptionsError');

/** Constructor options that fail validation. */
export class InvalidOptionsError extends TristackError {
  private readonly [marker] = true;

  constructor(message: string, options: TristackErrorOptions = {}) {
    super('INVALID_OPTIONS', message, options);
  }

  static override isInstance(error: unknown): error is InvalidOptionsError {
    return TristackError.hasMarker(error, marker);
  }
}
