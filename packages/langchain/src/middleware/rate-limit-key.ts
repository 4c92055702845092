import type { RateLimiter } from '@tristack/core';
import {
  identityRateLimitKeys as coreIdentityRateLimitKeys,
  type IdentityRateLimitKeys,
} from '@tristack/core/driver-kit';
import { MissingRunIdentityError } from '../run-context.js';

export type { IdentityRateLimitKeys };

/**
 * The limiter key of a call, derived from the limiter's rule scopes and the run's trusted
 * identity (`identityRateLimitKeys` of the core driver kit, which documents the key shapes). A run
 * lacking the id a scope needs throws `MissingRunIdentityError` on the call; a scope no id can
 * fill throws `InvalidOptionsError` here, at construction: pass your own `key` for those.
 */
export function identityRateLimitKeys(
  limiter: RateLimiter,
  options: { provider?: string | undefined; what: string },
): IdentityRateLimitKeys {
  return coreIdentityRateLimitKeys(limiter, {
    ...options,
    driver: 'langchain',
    missingIdentity: (what, missing) => new MissingRunIdentityError(what, missing),
  });
}
