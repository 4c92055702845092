import { InvalidInputError } from '../errors.js';

/** The path of the first part of `value` JSON cannot carry faithfully, or undefined when it is all JSON. */
function firstNonJson(value: unknown, path: PropertyKey[], seen: Set<object>): PropertyKey[] | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      // JSON.stringify turns NaN and ±Infinity into null: a silent change of the value.
      return Number.isFinite(value) ? undefined : path;
    case 'object': {
      if (value === null) return undefined;
      if (seen.has(value)) return path;
      const prototype = Object.getPrototypeOf(value);
      const isArray = Array.isArray(value);
      // Dates, Maps, class instances… would arrive as something else (or `{}`).
      if (!isArray && prototype !== Object.prototype && prototype !== null) return path;
      seen.add(value);
      if (isArray) {
        for (let index = 0; index < value.length; index++) {
          const found = firstNonJson(value[index], [...path, index], seen);
          if (found) return found;
        }
      } else {
        for (const [key, item] of Object.entries(value)) {
          const found = firstNonJson(item, [...path, key], seen);
          if (found) return found;
        }
      }
      seen.delete(value);
      return undefined;
    }
    default:
      // undefined, functions, symbols and bigints have no JSON form.
      return path;
  }
}

/**
 * Serialises a payload, result or progress report to JSON, refusing what JSON would not carry
 * faithfully (undefined, functions, bigints, NaN, class instances, cycles) and what exceeds
 * `maxBytes`. Throws `InvalidInputError`.
 */
export function serializeJobJson(
  value: unknown,
  context: { what: string; maxBytes: number; driver: string },
): string {
  const path = firstNonJson(value, [], new Set());
  if (path) {
    const where = path.length ? path.join('.') : '(root)';
    throw new InvalidInputError(`invalid ${context.what}: ${where}: not JSON-serialisable`, {
      driver: context.driver,
      issues: [{ path, message: 'not JSON-serialisable' }],
    });
  }
  const json = JSON.stringify(value);
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > context.maxBytes) {
    throw new InvalidInputError(
      `invalid ${context.what}: ${bytes} bytes of JSON, more than maxPayloadBytes (${context.maxBytes})`,
      { driver: context.driver, issues: [{ path: [], message: 'too large' }] },
    );
  }
  return json;
}
