import type { Discovery, DiscoveryOptions } from '@tristack/core';
import type { RedisClientInput } from '../connection.js';
import { discoverOwners } from '../scan-keys.js';

/**
 * The names of every queue with jobs ever enqueued, sorted: each has a counts hash
 * (`<prefix>:queue:{<name>}:counts`) from its first `enqueue` on.
 */
export function listJobQueues(
  client: RedisClientInput,
  prefix: string,
  options?: DiscoveryOptions,
): Promise<Discovery<string>> {
  return discoverOwners(client, { prefix, primitive: 'queue', tail: 'counts' }, options);
}
