/**
 * What can make two look-alike requests ask for different things (`length`: a text too long to
 * read, see the default guard). Closed: stats keep one counter per reason, and a custom guard
 * reports its rejections under the nearest of these.
 */
export const NEAR_MISS_REASONS = [
  'number',
  'date',
  'entity',
  'negation',
  'direction',
  'action',
  'scope',
  'length',
] as const;

export type NearMissReason = (typeof NEAR_MISS_REASONS)[number];

/** A guard's answer: accept the candidate, or turn it down and say why. */
export type NearMissVerdict =
  { accept: true; reason?: undefined } | { accept: false; reason: NearMissReason };

/**
 * Runs between the vector match and the hit: `stored` is the match text of the cached entry,
 * `query` the match text of the lookup. Turning a candidate down makes the lookup try the next
 * one, and a lookup with nothing left is a miss with reason `near-miss`. Must be synchronous and
 * fast (it runs on every semantic candidate) and must not throw.
 */
export interface NearMissGuard {
  check(stored: string, query: string): NearMissVerdict;
}

/** One guard made of several: a candidate passes when every guard accepts it; the first refusal's reason wins. */
export function combineGuards(...guards: readonly NearMissGuard[]): NearMissGuard {
  return {
    check(stored, query) {
      for (const guard of guards) {
        const verdict = guard.check(stored, query);
        if (!verdict.accept) return verdict;
      }
      return { accept: true };
    },
  };
}

/** Counters of rejections, one per reason, all zero. */
export function emptyRejections(): Record<NearMissReason, number> {
  return { number: 0, date: 0, entity: 0, negation: 0, direction: 0, action: 0, scope: 0, length: 0 };
}
