import { InvalidInputError } from '../errors.js';
import { formatJsonPath, inspectJsonValue, MAX_PAYLOAD_DEPTH } from '../json-boundary.js';

/**
 * Serialises a payload, result or progress report to JSON, refusing what JSON would not carry
 * faithfully (undefined, functions, bigints, NaN, class instances, cycles), nesting deeper than
 * `MAX_PAYLOAD_DEPTH` and what exceeds `maxBytes` — checked by one walk without recursion, before
 * `JSON.stringify` runs. Throws `InvalidInputError`.
 */
export function serializeJobJson(
  value: unknown,
  context: { what: string; maxBytes: number; driver: string },
): string {
  const inspection = inspectJsonValue(value, {
    maxDepth: MAX_PAYLOAD_DEPTH,
    maxBytes: context.maxBytes,
    undefinedProperties: 'reject',
  });
  if (!inspection.ok) {
    const { kind, path, message } = inspection.problem;
    const where = formatJsonPath(path);
    const reason =
      kind === 'too-large'
        ? `more than maxPayloadBytes (${context.maxBytes}) of JSON`
        : kind === 'too-deep'
          ? message
          : `not JSON-serialisable: ${message}`;
    throw new InvalidInputError(`invalid ${context.what}: ${where}: ${reason}`, {
      driver: context.driver,
      issues: [{ path, message: reason }],
      details: { kind },
    });
  }
  return JSON.stringify(value);
}
