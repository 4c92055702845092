import { functionOption, parseOptions } from '@tristack/core/driver-kit';
import type { z } from 'zod';
import { defaultRunIdentity, type ResolveRunIdentity } from '../run-context.js';

export { countOption, functionOption, instanceOption, objectOption } from '@tristack/core/driver-kit';

/** The run's identity resolver. A function default is given as a getter: zod would call the function itself. */
export const identityOption = functionOption<ResolveRunIdentity>('identity').default(
  () => defaultRunIdentity,
);

/** Validates a middleware's options once, when it is created (`InvalidOptionsError` otherwise). */
export function parseMiddlewareOptions<Schema extends z.ZodType>(
  schema: Schema,
  options: unknown,
  what: string,
): z.output<Schema> {
  return parseOptions(schema, options, { what, driver: 'langchain' });
}
