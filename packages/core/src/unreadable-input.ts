import { TristackError } from './errors.js';

// Bounds of the search for where reading threw: it runs only after a read already failed.
const MAX_DEPTH = 16;
const MAX_VISITED = 1_000;

/**
 * Where in `value` reading throws (a throwing getter, a Proxy trap, a revoked Proxy), as a path;
 * `[]` when the root itself cannot be inspected or the search gives up. Only for error messages.
 */
export function findUnreadablePath(value: unknown): PropertyKey[] {
  let visited = 0;
  const seen = new Set<object>();
  const search = (node: unknown, depth: number): PropertyKey[] | undefined => {
    if (typeof node !== 'object' || node === null || seen.has(node)) return undefined;
    if (depth > MAX_DEPTH || ++visited > MAX_VISITED) return undefined;
    seen.add(node);
    let keys: string[];
    try {
      Array.isArray(node);
      Object.getPrototypeOf(node);
      keys = Object.keys(node);
    } catch {
      return [];
    }
    for (const key of keys) {
      let child: unknown;
      try {
        child = (node as Record<string, unknown>)[key];
      } catch {
        return [key];
      }
      const below = search(child, depth + 1);
      if (below) return [key, ...below];
    }
    return undefined;
  };
  return search(value, 0) ?? [];
}

/** The message of whatever `error` is, never throwing itself. */
export function describeThrown(error: unknown): string {
  try {
    if (error instanceof Error) return `${error.name}: ${error.message}`;
    return String(error);
  } catch {
    return 'an unprintable value';
  }
}

/** True for errors that must pass through untouched (already typed). */
export function isTristackError(error: unknown): boolean {
  try {
    return TristackError.isInstance(error);
  } catch {
    return false;
  }
}
