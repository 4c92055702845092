import type { CircuitState, CircuitStateChange } from './circuit-breaker.js';

/** One breaker's shared state, as the in-memory driver keeps it. */
export interface InMemoryCircuitRecord {
  state: CircuitState;
  /** Epoch ms an open breaker turns half-open. */
  openUntil: number;
  trips: number;
  consecutiveFailures: number;
  /** Ring of `windowBuckets` buckets; `index` is the absolute bucket number (time / bucket length). */
  buckets: { index: number; calls: number; failures: number }[];
  /** Quorum mode: instance id → epoch ms of its last failure. */
  failingInstances: Map<string, number>;
  /** Probe token → epoch ms it expires. */
  probes: Map<string, number>;
  probeSuccesses: number;
  changedAt: number;
}

/**
 * The state several `InMemoryCircuitBreaker` instances share: a stand-in for the fleet inside one
 * process (tests, a single server). Each instance keeps its own policy and clock.
 */
export class InMemoryCircuitBreakerStore {
  readonly records = new Map<string, InMemoryCircuitRecord>();
  private readonly listeners = new Set<(change: Omit<CircuitStateChange, 'origin'>) => void>();

  /** Called by breakers on every state change they cause; every breaker on the store hears it. */
  publish(change: Omit<CircuitStateChange, 'origin'>): void {
    for (const listener of this.listeners) listener(change);
  }

  subscribe(listener: (change: Omit<CircuitStateChange, 'origin'>) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
