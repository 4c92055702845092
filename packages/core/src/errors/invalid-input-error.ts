import { TristackError, type TristackErrorOptions } from './tristack-error.js';

const marker = Symbol.for('tristack.error.InvalidInputError');

/** Input that fails validation. Nothing was written. */
export class InvalidInputError extends TristackError {
  private readonly [marker] = true;
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

  static override isInstance(error: unknown): error is InvalidInputError {
    return TristackError.hasMarker(error, marker);
  }
}
