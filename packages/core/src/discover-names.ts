import { DEFAULT_DISCOVERY_LIMIT, type Discovery, type DiscoveryOptions } from './inspection.js';

/**
 * A discovery over names an in-memory driver holds: sorted, bounded like a store's scan. Nothing
 * in memory is undecodable.
 */
export function discoverNames(names: Iterable<string>, options: DiscoveryOptions = {}): Discovery<string> {
  const limit = options.limit ?? DEFAULT_DISCOVERY_LIMIT;
  const found: string[] = [];
  let truncated = false;
  for (const name of names) {
    if (found.length >= limit) {
      truncated = true;
      break;
    }
    found.push(name);
  }
  return { found: found.sort(), undecodable: [], truncated };
}
