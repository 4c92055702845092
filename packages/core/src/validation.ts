import type { z } from 'zod';
import { InvalidInputError, InvalidOptionsError } from './errors.js';
import { describeThrown, findUnreadablePath, isTristackError } from './unreadable-input.js';

function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((issue) => `${describePath(issue.path)}: ${issue.message}`).join('; ');
}

function describePath(path: readonly PropertyKey[]): string {
  return path.length ? path.map(String).join('.') : '(root)';
}

type Parsed<Output> =
  | { success: true; data: Output }
  | { success: false; error: z.ZodError; issues: readonly z.core.$ZodIssue[] }
  | { success: false; unreadable: unknown };

/**
 * `schema.safeParse(value)`, except that an exception thrown while reading `value` (a throwing
 * getter, a Proxy whose traps throw, a revoked Proxy) comes back as `unreadable`. zod builds its
 * issue messages lazily (they inspect the value too), so they are built here, inside the `try`.
 */
function safeParseReading<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
): Parsed<z.output<Schema>> {
  try {
    const result = schema.safeParse(value);
    if (result.success) return { success: true, data: result.data };
    return { success: false, error: result.error, issues: result.error.issues };
  } catch (error) {
    if (isTristackError(error)) throw error;
    return { success: false, unreadable: error };
  }
}

/**
 * The `InvalidInputError` for an input that threw while being read (`thrown` is the original,
 * kept as `cause`). Also for hand-written fast paths that read inputs without zod.
 */
export function unreadableInputError(
  thrown: unknown,
  value: unknown,
  context: { what: string; driver?: string },
): InvalidInputError {
  const path = findUnreadablePath(value);
  const message = `could not be read (${describeThrown(thrown)})`;
  return new InvalidInputError(`invalid ${context.what}: ${describePath(path)}: ${message}`, {
    driver: context.driver,
    cause: thrown,
    issues: [{ path, message }],
  });
}

/** Parses `value` with `schema`; throws `InvalidInputError` naming every failing path. */
export function parseInput<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  context: { what: string; driver?: string },
): z.output<Schema> {
  const result = safeParseReading(schema, value);
  if (result.success) return result.data;
  if ('unreadable' in result) throw unreadableInputError(result.unreadable, value, context);
  throw new InvalidInputError(`invalid ${context.what}: ${describeIssues(result.issues)}`, {
    driver: context.driver,
    cause: result.error,
    issues: result.issues.map((issue) => ({ path: issue.path, message: issue.message })),
  });
}

/** Parses constructor options; throws `InvalidOptionsError`. */
export function parseOptions<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  context: { what: string; driver?: string },
): z.output<Schema> {
  const result = safeParseReading(schema, value);
  if (result.success) return result.data;
  if ('unreadable' in result) {
    const path = describePath(findUnreadablePath(value));
    throw new InvalidOptionsError(
      `invalid ${context.what} options: ${path}: could not be read (${describeThrown(result.unreadable)})`,
      { driver: context.driver, cause: result.unreadable },
    );
  }
  throw new InvalidOptionsError(`invalid ${context.what} options: ${describeIssues(result.issues)}`, {
    driver: context.driver,
    cause: result.error,
  });
}
