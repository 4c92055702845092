/**
 * What every driver's read-only inspector shares. Inspectors answer operator questions (which
 * breakers exist, what a key has used) with plain objects, so a tool such as `tristack inspect`
 * never needs to know how a driver lays out its state.
 */

/** Options of a discovery: listing the breakers, caches, queues or tenants a store holds. */
export interface DiscoveryOptions {
  /**
   * Stop after this many stored entries matched: a store may hold millions, and an inspection
   * must never walk all of them unasked. `truncated` then says so.
   * @default 10000
   */
  limit?: number;
}

/** The default of `DiscoveryOptions.limit`. */
export const DEFAULT_DISCOVERY_LIMIT = 10_000;

/** What a discovery found. */
export interface Discovery<Found> {
  /** What the store holds, decoded, in a stable order. */
  readonly found: Found[];
  /**
   * Stored entries no driver could have written (a foreign or tampered key), as the store names
   * them: reported, never decoded, and they never hide the others.
   */
  readonly undecodable: string[];
  /** True when `limit` entries matched and the discovery stopped early. */
  readonly truncated: boolean;
}
