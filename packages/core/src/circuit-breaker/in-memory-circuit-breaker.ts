import { z } from 'zod';
import { type Clock, clockSchema, systemClock } from '../clock.js';
import { parseOptions } from '../validation.js';
import {
  circuitBreakerOptionsSchema,
  type CircuitAcquireResult,
  type ResolvedCircuitBreakerOptions,
  type CircuitOutcome,
  type CircuitPermit,
  type CircuitSnapshot,
  type CircuitState,
  type CircuitTransitionReason,
} from './circuit-breaker.js';
import { BaseCircuitBreaker } from './base-circuit-breaker.js';
import { classifyOutcome, openDurationMs, type CircuitVerdict } from './circuit-policy.js';
import type { CircuitBreakerInspector } from './circuit-breaker-inspector.js';
import { discoverNames } from '../discover-names.js';
import {
  InMemoryCircuitBreakerStore,
  type InMemoryCircuitRecord,
} from './in-memory-circuit-breaker-store.js';

const DRIVER = 'memory';

export const inMemoryCircuitBreakerOptionsSchema = circuitBreakerOptionsSchema.safeExtend({
  /**
   * Source of time.
   * @default systemClock
   */
  clock: clockSchema.optional(),
  /**
   * State shared with other instances in this process (one per simulated worker in tests).
   * @default a private store
   */
  store: z
    .custom<InMemoryCircuitBreakerStore>(
      (value) => value instanceof InMemoryCircuitBreakerStore,
      'must be an InMemoryCircuitBreakerStore',
    )
    .optional(),
});

export type InMemoryCircuitBreakerOptions = z.input<typeof inMemoryCircuitBreakerOptionsSchema>;

function emptyRecord(): InMemoryCircuitRecord {
  return {
    state: 'closed',
    openUntil: 0,
    trips: 0,
    consecutiveFailures: 0,
    buckets: [],
    failingInstances: new Map(),
    probes: new Map(),
    probeSuccesses: 0,
    changedAt: 0,
  };
}

/**
 * The circuit breaker in process memory: the reference semantics every driver must match, and
 * the Redis driver's fallback while Redis is unreachable. Instances sharing a
 * `InMemoryCircuitBreakerStore` behave like a fleet sharing one Redis.
 */
export class InMemoryCircuitBreaker extends BaseCircuitBreaker {
  private readonly policy: ResolvedCircuitBreakerOptions;
  private readonly clock: Clock;
  private readonly store: InMemoryCircuitBreakerStore;
  private readonly unsubscribe: () => void;

  constructor(options: InMemoryCircuitBreakerOptions = {}) {
    const parsed = parseOptions(inMemoryCircuitBreakerOptionsSchema, options, {
      what: 'InMemoryCircuitBreaker',
      driver: DRIVER,
    });
    const { clock = systemClock, store, ...policy } = parsed;
    const instanceId = policy.instanceId ?? `memory-${globalThis.crypto.randomUUID()}`;
    super({ instanceId, clock, awaitSuccess: true }, DRIVER);
    this.policy = policy;
    this.clock = clock;
    this.store = store ?? new InMemoryCircuitBreakerStore();
    this.unsubscribe = this.store.subscribe((change) =>
      this.emit({ ...change, origin: change.instanceId === this.instanceId ? 'local' : 'remote' }),
    );
  }

  protected async admit(name: string): Promise<CircuitAcquireResult> {
    return this.acquireNow(name);
  }

  /** Synchronous acquire, for drivers that fall back to this one. `name` must be valid. */
  acquireNow(name: string): CircuitAcquireResult {
    const now = this.clock.now();
    const record = this.store.records.get(name);
    if (!record || record.state === 'closed') {
      return {
        admitted: true,
        state: 'closed',
        permit: this.permits.issue(name, undefined, now),
      };
    }
    if (record.state === 'open') {
      if (now < record.openUntil) {
        return { admitted: false, state: 'open', reason: 'open', retryAfterMs: record.openUntil - now };
      }
      this.transition(name, record, 'half-open', 'open-elapsed', now);
    }
    for (const [token, expiresAt] of record.probes) if (expiresAt <= now) record.probes.delete(token);
    if (record.probes.size + record.probeSuccesses >= this.policy.halfOpenProbes) {
      const earliest = Math.min(...record.probes.values());
      return {
        admitted: false,
        state: 'half-open',
        reason: 'half-open-full',
        retryAfterMs: Number.isFinite(earliest) ? earliest - now : 0,
      };
    }
    const probeToken = globalThis.crypto.randomUUID();
    record.probes.set(probeToken, now + this.policy.probeTtlMs);
    return { admitted: true, state: 'half-open', permit: this.permits.issue(name, probeToken, now) };
  }

  protected async recordOutcome(permit: CircuitPermit, outcome: CircuitOutcome): Promise<void> {
    this.recordNow(permit, outcome);
  }

  /** Synchronous record of validated input; a permit of this breaker counts once. */
  recordNow(permit: CircuitPermit, outcome: CircuitOutcome): void {
    if (!this.permits.settle(permit)) return;
    const now = this.clock.now();
    const verdict = classifyOutcome(this.policy, outcome, now - permit.acquiredAt);
    if (permit.probeToken !== undefined) {
      this.recordProbe(permit.name, permit.probeToken, verdict, now);
      return;
    }
    if (verdict === 'ignored') return;
    let record = this.store.records.get(permit.name);
    if (!record) {
      record = emptyRecord();
      this.store.records.set(permit.name, record);
    }
    // Calls admitted before a trip finish while it is open: they say nothing new.
    if (record.state !== 'closed') return;
    this.addToWindow(record, verdict, now);
    if (verdict === 'failure') this.maybeTrip(permit.name, record, now);
  }

  /** A read-only view of the breakers in this breaker's store. */
  inspector(): CircuitBreakerInspector {
    return {
      list: async (options) => discoverNames(this.store.records.keys(), options),
      state: (name) => this.getState(name),
    };
  }

  protected async readState(valid: string): Promise<CircuitSnapshot> {
    return this.snapshot(valid, this.store.records.get(valid) ?? emptyRecord(), this.clock.now());
  }

  protected async resetState(valid: string): Promise<void> {
    const record = this.store.records.get(valid);
    if (!record) return;
    if (record.state !== 'closed') this.transition(valid, record, 'closed', 'reset', this.clock.now());
    this.store.records.delete(valid);
  }

  protected async release(): Promise<void> {
    this.unsubscribe();
  }

  private recordProbe(name: string, token: string, verdict: CircuitVerdict, now: number): void {
    const record = this.store.records.get(name);
    const expiresAt = record?.probes.get(token);
    // A probe that outlived its token lost its say: its slot may already be someone else's.
    if (!record || record.state !== 'half-open' || expiresAt === undefined || expiresAt <= now) return;
    record.probes.delete(token);
    if (verdict === 'failure') {
      this.open(name, record, 'probe-failed', now);
    } else if (verdict === 'success') {
      record.probeSuccesses += 1;
      if (record.probeSuccesses >= this.policy.halfOpenProbes) {
        this.transition(name, record, 'closed', 'probes-succeeded', now);
      }
    }
  }

  private bucketLength(): number {
    return this.policy.windowMs / this.policy.windowBuckets;
  }

  private addToWindow(record: InMemoryCircuitRecord, verdict: 'success' | 'failure', now: number): void {
    const index = Math.floor(now / this.bucketLength());
    const slot = index % this.policy.windowBuckets;
    let bucket = record.buckets[slot];
    if (!bucket || bucket.index !== index) {
      bucket = { index, calls: 0, failures: 0 };
      record.buckets[slot] = bucket;
    }
    bucket.calls += 1;
    if (verdict === 'failure') {
      bucket.failures += 1;
      record.consecutiveFailures += 1;
      if (this.policy.quorum > 1) record.failingInstances.set(this.instanceId, now);
    } else {
      record.consecutiveFailures = 0;
    }
  }

  private windowCounts(record: InMemoryCircuitRecord, now: number) {
    const current = Math.floor(now / this.bucketLength());
    let calls = 0;
    let failures = 0;
    for (const bucket of record.buckets) {
      if (bucket && bucket.index > current - this.policy.windowBuckets && bucket.index <= current) {
        calls += bucket.calls;
        failures += bucket.failures;
      }
    }
    let failingInstances = 0;
    if (this.policy.quorum > 1) {
      for (const [instance, at] of record.failingInstances) {
        if (at > now - this.policy.windowMs) failingInstances += 1;
        else record.failingInstances.delete(instance);
      }
    }
    return { calls, failures, failingInstances };
  }

  private maybeTrip(name: string, record: InMemoryCircuitRecord, now: number): void {
    const { calls, failures, failingInstances } = this.windowCounts(record, now);
    if (this.policy.quorum > 1 && failingInstances < this.policy.quorum) return;
    const threshold = this.policy.failureRateThreshold;
    if (threshold !== null && calls >= this.policy.minimumCalls && failures / calls >= threshold) {
      this.open(name, record, 'failure-rate', now);
    } else if (
      this.policy.consecutiveFailures !== null &&
      record.consecutiveFailures >= this.policy.consecutiveFailures
    ) {
      this.open(name, record, 'consecutive-failures', now);
    }
  }

  private open(name: string, record: InMemoryCircuitRecord, reason: CircuitTransitionReason, now: number) {
    record.trips += 1;
    record.openUntil = now + openDurationMs(this.policy, record.trips);
    this.transition(name, record, 'open', reason, now);
  }

  private transition(
    name: string,
    record: InMemoryCircuitRecord,
    to: CircuitState,
    reason: CircuitTransitionReason,
    now: number,
  ): void {
    const from = record.state;
    const counts = { ...this.windowCounts(record, now), consecutiveFailures: record.consecutiveFailures };
    record.state = to;
    record.changedAt = now;
    record.probes.clear();
    record.probeSuccesses = 0;
    if (to === 'closed') {
      record.trips = 0;
      record.openUntil = 0;
      record.consecutiveFailures = 0;
      record.buckets = [];
      record.failingInstances.clear();
    }
    this.store.publish({
      type: 'state-change',
      name,
      from,
      to,
      reason,
      at: now,
      ...counts,
      trips: record.trips,
      openMs: to === 'open' ? record.openUntil - now : 0,
      instanceId: this.instanceId,
    });
  }

  private snapshot(name: string, record: InMemoryCircuitRecord, now: number): CircuitSnapshot {
    const counts = this.windowCounts(record, now);
    const elapsed = record.state === 'open' && now >= record.openUntil;
    let probesInFlight = 0;
    for (const expiresAt of record.probes.values()) if (expiresAt > now) probesInFlight += 1;
    return {
      name,
      // An open breaker whose period elapsed admits probes on the next call: show it as such.
      state: elapsed ? 'half-open' : record.state,
      retryAfterMs: record.state === 'open' && !elapsed ? record.openUntil - now : 0,
      trips: record.trips,
      ...counts,
      consecutiveFailures: record.consecutiveFailures,
      probesInFlight,
      probeSuccesses: record.probeSuccesses,
      changedAt: record.changedAt,
    };
  }
}
