import {
  type CircuitBreakerInspector,
  type CircuitSnapshot,
  type Discovery,
  type DiscoveryOptions,
} from '@tristack/core';
import { toRedisConnection, type RedisClientInput } from '../connection.js';
import { splitRedisDriverOptions, type RedisDriverOptions } from '../driver-options.js';
import { listCircuitBreakers } from './list-circuit-breakers.js';
import { RedisCircuitBreaker } from './redis-circuit-breaker.js';

export interface RedisCircuitBreakerInspectorOptions extends RedisDriverOptions {
  /** The breakers' `windowMs`: the window the call counts cover. @default 10000 */
  windowMs?: number;
  /** The breakers' `windowBuckets`. @default 10 */
  windowBuckets?: number;
}

/**
 * `CircuitBreakerInspector` for operators: lists the breakers with SCAN (every master of a
 * cluster) and reads each with the driver's read-only script. No subscription, and an outage is
 * an error, never a local guess. Close it when done.
 */
export class RedisCircuitBreakerInspector implements CircuitBreakerInspector {
  private readonly client: RedisClientInput;
  private readonly prefix: string;
  private readonly breaker: RedisCircuitBreaker;

  constructor(options: RedisCircuitBreakerInspectorOptions) {
    const { client, prefix, rest } = splitRedisDriverOptions(options, 'RedisCircuitBreakerInspector');
    this.client = client;
    this.prefix = prefix;
    this.breaker = new RedisCircuitBreaker({
      // A bare connection: the breaker subscribes to nothing.
      client: toRedisConnection(client),
      prefix,
      onBackendUnavailable: 'reject',
      ...(rest.windowMs !== undefined ? { windowMs: rest.windowMs } : {}),
      ...(rest.windowBuckets !== undefined ? { windowBuckets: rest.windowBuckets } : {}),
    });
  }

  list(options?: DiscoveryOptions): Promise<Discovery<string>> {
    return listCircuitBreakers(this.client, this.prefix, options);
  }

  state(name: string): Promise<CircuitSnapshot> {
    return this.breaker.getState(name);
  }

  async close(): Promise<void> {
    await this.breaker.close();
  }
}
