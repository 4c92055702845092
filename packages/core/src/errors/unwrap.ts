import { TristackError } from './tristack-error.js';

/** Deep enough for any real wrapping; a bound so a hostile or broken chain cannot loop. */
const MAX_DEPTH = 16;

/**
 * The outermost Tristack error in `error`'s chain, or undefined. Frameworks wrap what they
 * catch: LangChain's `MiddlewareError` keeps the original on `cause` (and renames itself after
 * it), its `ToolInvocationError` on `toolError`. Follows both, cycle-safe and bounded.
 */
export function unwrapTristackError(error: unknown): TristackError | undefined {
  const seen = new Set<unknown>();
  let current = error;
  for (let depth = 0; depth < MAX_DEPTH; depth += 1) {
    if (typeof current !== 'object' || current === null || seen.has(current)) return undefined;
    if (TristackError.isInstance(current)) return current;
    seen.add(current);
    current = wrappedError(current as { cause?: unknown; toolError?: unknown });
  }
  return undefined;
}

function wrappedError(wrapper: { cause?: unknown; toolError?: unknown }): unknown {
  return wrapper.cause !== undefined ? wrapper.cause : wrapper.toolError;
}
