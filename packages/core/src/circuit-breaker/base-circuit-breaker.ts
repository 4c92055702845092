import type { Clock } from '../clock.js';
import type {
  CircuitAcquireResult,
  CircuitBreaker,
  CircuitBreakerEvent,
  CircuitOutcome,
  CircuitPermit,
  CircuitSnapshot,
} from './circuit-breaker.js';
import { CircuitPermitLedger, validateCircuitName, validateCircuitOutcome } from './circuit-input.js';
import { executeWithCircuitBreaker } from './execute-with-circuit-breaker.js';
import { recordStateChange } from './circuit-telemetry.js';

/** What the base class needs from a driver: its instance id, and how its `execute` runs. */
export interface CircuitBreakerBaseOptions {
  /** This instance's id (quorum counts, events). */
  instanceId: string;
  /** Measures calls for slow-call detection. */
  clock: Clock;
  /** false when successes are batched, so the closed path adds no round trip. */
  awaitSuccess: boolean;
}

/**
 * What every `CircuitBreaker` driver shares: name, permit and outcome validation, the permit
 * ledger (a permit counts once, only on the instance that issued it), `execute`, and event
 * listeners. A driver supplies five store operations on validated input, and applies the policy
 * with `classifyOutcome` and `openDurationMs` (`circuit-policy.ts`) so every store trips alike.
 * For driver authors.
 *
 * The contract does not include: the clock (a shared store decides with its own time), how state
 * changes reach other processes (pub/sub, polling, a shared in-process store), local caching of
 * the state, batching of successes, and what a driver does while its store is unreachable.
 */
export abstract class BaseCircuitBreaker implements CircuitBreaker {
  readonly instanceId: string;
  protected readonly permits = new CircuitPermitLedger();
  private readonly listeners = new Set<(event: CircuitBreakerEvent) => void>();
  private readonly execution: { clock: Clock; awaitSuccess: boolean };

  protected constructor(
    options: CircuitBreakerBaseOptions,
    protected readonly driver: string,
  ) {
    const { instanceId, ...execution } = options;
    this.instanceId = instanceId;
    this.execution = execution;
  }

  /** Admits a call (closed, or a free half-open probe slot) with a permit from `this.permits`, or rejects it. */
  protected abstract admit(name: string): Promise<CircuitAcquireResult>;
  /**
   * Counts the outcome of a permit this instance issued: `this.permits.settle(permit)` first (a
   * permit counts once), then the verdict of `classifyOutcome` on the probe or the window.
   */
  protected abstract recordOutcome(permit: CircuitPermit, outcome: CircuitOutcome): Promise<void>;
  /** The breaker's state now (closed with empty counts when the store has none). */
  protected abstract readState(name: string): Promise<CircuitSnapshot>;
  /** Closes the breaker with empty counts (emitting the state change when it was not closed). */
  protected abstract resetState(name: string): Promise<void>;
  /** Writes what is pending and releases subscriptions; the store's client stays open. */
  protected abstract release(): Promise<void>;

  execute<T>(name: string, fn: () => T | PromiseLike<T>): Promise<T> {
    return executeWithCircuitBreaker(this, name, fn, { ...this.execution, driver: this.driver });
  }

  async acquire(name: string): Promise<CircuitAcquireResult> {
    return this.admit(validateCircuitName(name, this.driver));
  }

  async record(permit: CircuitPermit, outcome: CircuitOutcome): Promise<void> {
    const valid = this.permits.validate(permit, this.driver);
    await this.recordOutcome(valid, validateCircuitOutcome(outcome, this.driver));
  }

  async getState(name: string): Promise<CircuitSnapshot> {
    return this.readState(validateCircuitName(name, this.driver));
  }

  async reset(name: string): Promise<void> {
    await this.resetState(validateCircuitName(name, this.driver));
  }

  onEvent(listener: (event: CircuitBreakerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    await this.release();
    this.listeners.clear();
  }

  /** Calls every listener; one that throws breaks neither the breaker nor the others. */
  protected emit(event: CircuitBreakerEvent): void {
    if (event.type === 'state-change' && event.origin !== 'remote') recordStateChange(this, event);
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A failing listener must not break the breaker or the other listeners.
      }
    }
  }
}
