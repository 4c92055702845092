/** The longest a hit waits to restart an entry's TTL after the last restart: one minute. */
const RESTART_STEP_MAX_MS = 60_000;

/**
 * Whether a hit at `now` restarts the TTL of an entry that expires at `expiresAt`: unless the last
 * restart (or the store) was less than a tenth of the TTL ago, at most a minute. Hits on a hot
 * entry then write nothing to it, and an entry hit at `now` still lives until at least
 * `now + ttlMs - min(ttlMs / 10, 60 s)`. The Redis scripts apply the same rule (`renews`).
 * @internal
 */
export function restartsTtl(now: number, ttlMs: number, expiresAt: number): boolean {
  return now + ttlMs - expiresAt >= Math.min(ttlMs / 10, RESTART_STEP_MAX_MS);
}
