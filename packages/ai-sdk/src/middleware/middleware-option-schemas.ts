import { parseOptions } from '@tristack/core/driver-kit';
import { z } from 'zod';
import type { IdentitySource } from '../run-identity.js';

export { countOption, functionOption, instanceOption, objectOption } from '@tristack/core/driver-kit';

/**
 * Who a call belongs to: a fixed identity, a function, or (left out) `withRunIdentity`'s. Checked
 * to be an object or a function; the ids are checked where they are used.
 */
export const identitySourceOption = z
  .custom<IdentitySource>(
    (value) => typeof value === 'function' || (typeof value === 'object' && value !== null),
    { message: 'identity must be { userId, tenantId, … } or a function returning one' },
  )
  .optional();

/** Validates a middleware's options once, when it is created (`InvalidOptionsError` otherwise). */
export function parseMiddlewareOptions<Schema extends z.ZodType>(
  schema: Schema,
  options: unknown,
  what: string,
): z.output<Schema> {
  return parseOptions(schema, options, { what, driver: 'ai-sdk' });
}
