import type { CircuitState } from './circuit-breaker.js';

/** What one process believes about one breaker, and since when. */
export interface LocalCircuitSnapshot {
  state: CircuitState;
  /** Local ms until which calls are rejected without asking the server (open, or half-open with no free probe slot). */
  rejectUntil: number;
  /** Server ms the information is valid at: orders script replies against notifications. */
  serverTime: number;
  /** Local ms the snapshot was learned: its age bounds staleness. */
  learnedAt: number;
}

/**
 * The per-process cache that keeps the closed path free of round trips. Script replies and
 * notifications both write to it; the one carrying the later server time wins, so a reply that
 * was in flight while a trip notice arrived cannot roll the trip back.
 */
export class LocalCircuitSnapshots {
  private readonly snapshots = new Map<string, LocalCircuitSnapshot>();

  constructor(private readonly maxStalenessMs: number) {}

  /** The snapshot when it is fresh enough to decide on, else undefined. */
  fresh(name: string, now: number): LocalCircuitSnapshot | undefined {
    const snapshot = this.snapshots.get(name);
    return snapshot && now - snapshot.learnedAt <= this.maxStalenessMs ? snapshot : undefined;
  }

  learn(
    name: string,
    update: { state: CircuitState; retryAfterMs: number; serverTime: number },
    now: number,
  ): void {
    const current = this.snapshots.get(name);
    if (current && current.serverTime > update.serverTime) return;
    this.snapshots.set(name, {
      state: update.state,
      rejectUntil: update.state === 'closed' ? 0 : now + update.retryAfterMs,
      serverTime: update.serverTime,
      learnedAt: now,
    });
  }

  forget(name: string): void {
    this.snapshots.delete(name);
  }

  clear(): void {
    this.snapshots.clear();
  }
}
