import { createHash } from 'node:crypto';

/**
 * Where `value` stops being JSON (a function, bigint, symbol, non-finite number, class instance
 * other than Date, or a cycle), as a path; `undefined` when it is JSON. Object properties that are
 * `undefined` are allowed and dropped, as JSON.stringify does.
 */
export function findNonJson(
  value: unknown,
  path: (string | number)[] = [],
  seen = new Set<object>(),
): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : `${formatPath(path)} is not a finite number`;
    case 'object': {
      if (value === null) return undefined;
      if (seen.has(value)) return `${formatPath(path)} is circular`;
      if (Array.isArray(value)) {
        seen.add(value);
        for (let index = 0; index < value.length; index++) {
          const problem = findNonJson(value[index], [...path, index], seen);
          if (problem) return problem;
        }
        seen.delete(value);
        return undefined;
      }
      const prototype = Object.getPrototypeOf(value);
      if (prototype !== Object.prototype && prototype !== null)
        return `${formatPath(path)} is a ${prototype?.constructor?.name ?? 'class instance'}, not plain JSON`;
      seen.add(value);
      for (const [key, field] of Object.entries(value)) {
        if (field === undefined) continue;
        const problem = findNonJson(field, [...path, key], seen);
        if (problem) return problem;
      }
      seen.delete(value);
      return undefined;
    }
    default:
      return `${formatPath(path)} is a ${typeof value}, not JSON`;
  }
}

function formatPath(path: readonly (string | number)[]): string {
  return path.length ? path.join('.') : 'value';
}

/**
 * Deterministic JSON: object keys sorted, `undefined` properties dropped, strings in Unicode NFC
 * with CRLF/CR line ends as LF. Equal meaning → equal text → equal hash. Input must pass `findNonJson`.
 * For prompt text only: ids (tenant, user, model, tags) reach it key-encoded (`exactScopeIds`), so
 * look-alike ids never hash alike.
 */
export function canonicalJson(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(normalizeString(value));
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value))
    return `[${value.map((item) => canonicalJson(item === undefined ? null : item)).join(',')}]`;
  const keys = Object.keys(value)
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`).join(',')}}`;
}

function normalizeString(text: string): string {
  return text.normalize('NFC').replace(/\r\n?/g, '\n');
}

/** 128-bit hex digest (SHA-256, truncated): ids and scope digests. */
export function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}
