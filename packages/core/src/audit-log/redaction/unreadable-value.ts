import { InvalidInputError } from '../../errors.js';
import { describeThrown, isTristackError } from '../../unreadable-input.js';

/**
 * Thrown inside the redactor's walk when reading the input threw (a getter, a Proxy trap, a
 * `toJSON`); collects the path on the way out, then becomes an `InvalidInputError`.
 */
export class UnreadableValue {
  constructor(
    readonly path: PropertyKey[],
    readonly thrown: unknown,
  ) {}

  /** `error` re-thrown from one level up: `key` joins the path. */
  static at(error: unknown, key?: PropertyKey): unknown {
    if (isTristackError(error)) return error;
    const unreadable = error instanceof UnreadableValue ? error : new UnreadableValue([], error);
    if (key !== undefined) unreadable.path.unshift(key);
    return unreadable;
  }

  /** The typed error callers see, its path under `root` (for example `['data']`). */
  toError(what: string, root: readonly PropertyKey[] = [], driver?: string): InvalidInputError {
    const path = [...root, ...this.path];
    const message = `could not be read (${describeThrown(this.thrown)})`;
    const where = path.length ? path.map(String).join('.') : '(root)';
    return new InvalidInputError(`invalid ${what}: ${where}: ${message}`, {
      driver,
      cause: this.thrown,
      issues: [{ path, message }],
    });
  }
}
