import type { ResolvedJobBackoffOptions } from './job-queue-schemas.js';

/**
 * The wait before the attempt after `failedAttempt` (1-based): `delayMs × 2^(failedAttempt − 1)`
 * (or `delayMs` for `fixed`), capped at `maxDelayMs`, minus up to `jitter` of it at random.
 * The Redis driver runs the same formula in Lua.
 */
export function jobBackoffDelayMs(
  failedAttempt: number,
  backoff: ResolvedJobBackoffOptions,
  random: number,
): number {
  const base =
    backoff.type === 'fixed' ? backoff.delayMs : backoff.delayMs * 2 ** Math.max(0, failedAttempt - 1);
  const capped = Math.min(base, backoff.maxDelayMs);
  return Math.floor(capped * (1 - backoff.jitter * random));
}
