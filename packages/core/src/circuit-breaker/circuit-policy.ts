import type { ResolvedCircuitBreakerOptions, CircuitOutcome } from './circuit-breaker.js';

/** How an outcome counts once the policy has classified it. */
export type CircuitVerdict = 'success' | 'failure' | 'ignored';

/**
 * Applies `isFailure` and `slowCallMs` to an outcome. An error the policy does not count is a
 * success (the dependency answered); a success slower than `slowCallMs` is a failure.
 */
export function classifyOutcome(
  policy: Pick<ResolvedCircuitBreakerOptions, 'isFailure' | 'slowCallMs'>,
  outcome: CircuitOutcome,
  elapsedMs: number,
): CircuitVerdict {
  if (outcome.status === 'ignored') return 'ignored';
  if (outcome.status === 'failure' && countsAsFailure(policy, outcome.error)) return 'failure';
  const durationMs = outcome.durationMs ?? elapsedMs;
  if (policy.slowCallMs !== null && durationMs >= policy.slowCallMs) return 'failure';
  return 'success';
}

function countsAsFailure(policy: Pick<ResolvedCircuitBreakerOptions, 'isFailure'>, error: unknown): boolean {
  if (!policy.isFailure) return true;
  try {
    return policy.isFailure(error);
  } catch {
    // A classifier that throws cannot vouch for the dependency: count the failure.
    return true;
  }
}

/** The open period after `trips` trips without a close: `openMs · multiplier^(trips-1)`, capped. */
export function openDurationMs(
  policy: Pick<ResolvedCircuitBreakerOptions, 'openMs' | 'openBackoffMultiplier' | 'maxOpenMs'>,
  trips: number,
): number {
  const grown = policy.openMs * policy.openBackoffMultiplier ** Math.max(0, trips - 1);
  return Math.min(policy.maxOpenMs, Math.round(grown));
}
