import { expect } from 'vitest';
import type { IdentityTally } from './identity-tally.js';

/**
 * Fails (softly, so every API is reported) unless every tally is clean: no untyped error, collision, misrouted call or wrong verdict,
 * some ids accepted and (for id fields) the ill-formed ones rejected typed. The first few problems
 * are part of the failure message.
 */
export function expectIsolated(tallies: readonly IdentityTally[]): void {
  for (const tally of tallies) {
    expect.soft({ api: tally.api, ...tally.problems(), samples: tally.samples }).toEqual({
      api: tally.api,
      untyped: 0,
      collisions: 0,
      misrouted: 0,
      wronglyAccepted: 0,
      wronglyRejected: 0,
      samples: [],
    });
    expect.soft(tally.accepted, `${tally.api}: accepted`).toBeGreaterThan(tally.tried / 2);
  }
}
