import { z } from 'zod';
import { InvalidInputError } from './errors.js';

/** Longest id accepted for users, tenants, conversations, streams and other caller-supplied names. */
export const MAX_ID_LENGTH = 256;

// Control characters (C0, DEL, C1) never belong in an id: they break logs and key parsing.
// oxlint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

/** zod schema for a caller-supplied id: non-empty, bounded, no control characters. */
export const idSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(MAX_ID_LENGTH, `must be at most ${MAX_ID_LENGTH} characters`)
  .refine((value) => !CONTROL_CHARACTERS.test(value), 'must not contain control characters');

/** Validates an id; throws `InvalidInputError` naming the field. */
export function validateId(value: unknown, field: string, driver?: string): string {
  const result = idSchema.safeParse(value);
  if (result.success) return result.data;
  throw new InvalidInputError(`invalid ${field}: ${result.error.issues[0]?.message ?? 'invalid id'}`, {
    driver,
    issues: result.error.issues.map((issue) => ({ path: [field, ...issue.path], message: issue.message })),
  });
}

/**
 * Escapes an id for use inside a key: `%`, `:`, `{`, `}`, `*`, `?`, `[`, `]`, `\` and whitespace
 * are percent-encoded, so no id can close a hash tag, add a key segment or act as a glob
 * pattern. The mapping is injective: distinct ids always give distinct key parts.
 */
export function escapeKeyPart(id: string): string {
  return id.replace(/[%:{}*?[\]\\\s]/g, (character) => {
    const code = character.codePointAt(0)!;
    return `%${code.toString(16).toUpperCase().padStart(2, '0')}`;
  });
}

/** Inverse of `escapeKeyPart`. */
export function unescapeKeyPart(part: string): string {
  return part.replace(/%([0-9A-F]{2,})/g, (_match, hex: string) =>
    String.fromCodePoint(Number.parseInt(hex, 16)),
  );
}
