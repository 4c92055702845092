import type { Discovery, DiscoveryOptions } from '@tristack/core';
import type { RedisClientInput } from '../connection.js';
import { discoverOwners } from '../scan-keys.js';

/** The names of every breaker with a hash (`<prefix>:circuit-breaker:{<name>}:state`), sorted. */
export function listCircuitBreakers(
  client: RedisClientInput,
  prefix: string,
  options?: DiscoveryOptions,
): Promise<Discovery<string>> {
  return discoverOwners(client, { prefix, primitive: 'circuit-breaker', tail: 'state' }, options);
}
