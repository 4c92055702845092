import type { z } from 'zod';
import { InvalidInputError, InvalidOptionsError } from './errors.js';

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}

/** Parses `value` with `schema`; throws `InvalidInputError` naming every failing path. */
export function parseInput<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  context: { what: string; driver?: string },
): z.output<Schema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new InvalidInputError(`invalid ${context.what}: ${describeIssues(result.error)}`, {
    driver: context.driver,
    cause: result.error,
    issues: result.error.issues.map((issue) => ({ path: issue.path, message: issue.message })),
  });
}

/** Parses constructor options; throws `InvalidOptionsError`. */
export function parseOptions<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  context: { what: string; driver?: string },
): z.output<Schema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new InvalidOptionsError(`invalid ${context.what} options: ${describeIssues(result.error)}`, {
    driver: context.driver,
    cause: result.error,
  });
}
