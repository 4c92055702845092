import type { Discovery, DiscoveryOptions } from '../inspection.js';
import type { CircuitSnapshot } from './circuit-breaker.js';

/** Read-only view of circuit breakers: lists them and reads their state, changing nothing. */
export interface CircuitBreakerInspector {
  /** The names of every breaker the store holds state for, sorted. */
  list(options?: DiscoveryOptions): Promise<Discovery<string>>;
  /** One breaker's shared state, read fresh from the store. */
  state(name: string): Promise<CircuitSnapshot>;
}
