import { InvalidInputError } from '@tristack/core';

// PostgreSQL text cannot hold U+0000 (a `text` parameter fails "invalid byte sequence", a `jsonb`
// string "unsupported Unicode escape sequence"). Values that may carry one by design (message
// contents, job payloads and results, broadcast messages) are sent as JSON text, which escapes it;
// any other string with one is refused here, before the statement is sent, so nothing is written.
const NUL = '\u0000';

/** Throws `InvalidInputError` when a string parameter (or a string in an array parameter) holds U+0000. */
export function refuseNulText(values: readonly unknown[], what: string): void {
  const index = values.findIndex((value) =>
    Array.isArray(value)
      ? value.some((item) => typeof item === 'string' && item.includes(NUL))
      : typeof value === 'string' && value.includes(NUL),
  );
  if (index !== -1)
    throw new InvalidInputError(
      `${what}: a text value holds U+0000 (NUL), which PostgreSQL text cannot store`,
      { driver: 'postgres', issues: [{ path: [index], message: 'contains U+0000' }] },
    );
}

/** `22P05` untranslatable_character: a `\u0000` escape reached a `jsonb` value (nothing was written). */
export function isNulInJson(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '22P05';
}
