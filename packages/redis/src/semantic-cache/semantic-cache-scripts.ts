import { InvalidOptionsError } from '@tristack/core';
import type { RedisArgument, RedisConnection } from '@tristack/core/driver-kit';
import { isServerReplyError } from '../connection.js';
import { RedisScript } from '../script.js';
import confirmHitSource from './lua/confirm-hit-5.lua.generated.js';
import exactLookupSource from './lua/exact-lookup-5.lua.generated.js';
import invalidateSource from './lua/invalidate-1.lua.generated.js';
import lookupSource from './lua/lookup-5.lua.generated.js';
import restartTtlSource from './lua/restart-ttl-4.lua.generated.js';
import storeSource from './lua/store-5.lua.generated.js';
import vectorSetsCandidatesSource from './lua/vector-sets-candidates-2.lua.generated.js';

// The Lua lives in ./lua (KEYS, ARGV and replies in each file's header; shared helpers in
// ./lua/includes/cache-helpers.lua).

/** Exact tier: an entry by its id. */
export const exactLookupScript = new RedisScript('semantic-cache-exact', exactLookupSource);

/** Stores an entry (and its vector); a vector set of other dimensions fails before any write. */
export const storeScript = new (class StoreScript extends RedisScript {
  /** A vector set of other dimensions is a configuration error (an embedder kept its id), not an outage. */
  override async run(
    connection: RedisConnection,
    keys: readonly string[],
    args: readonly RedisArgument[] = [],
  ): Promise<unknown> {
    try {
      return await super.run(connection, keys, args);
    } catch (error) {
      const mismatch = isServerReplyError(error) && /TRISTACK_DIMENSIONS (\d+) (\d+)/.exec(error.message);
      if (!mismatch) throw error;
      throw new InvalidOptionsError(
        `the embedder's vectors have ${mismatch[2]} dimensions, but this scope's vector set holds ` +
          `${mismatch[1]}: give an embedder of other dimensions its own id (nothing was stored)`,
        { driver: 'redis' },
      );
    }
  }
})('semantic-cache-store', storeSource);

/**
 * Both tiers on Vector Sets in one round trip: the exact tier, then VSIM's candidates rescored at
 * full precision, the best one at or above the hit floor counted as the hit ahead of the guard.
 */
export const lookupScript = new RedisScript('semantic-cache-lookup', lookupSource);

/** Restarts the TTL of a speculative hit the guard accepted, when the lookup found it due. */
export const restartTtlScript = new RedisScript('semantic-cache-restart-ttl', restartTtlSource);

/** Semantic tier on Vector Sets: VSIM (or given elements) rescored at full precision, with match texts. */
export const vectorSetsCandidatesScript = new RedisScript(
  'semantic-cache-vector-sets-candidates',
  vectorSetsCandidatesSource,
);

/** Second step of a semantic lookup: counts guard rejections, re-checks, refreshes and counts the hit. */
export const confirmHitScript = new RedisScript('semantic-cache-confirm-hit', confirmHitSource);

/** Invalidates entries within one tenant. */
export const invalidateScript = new RedisScript('semantic-cache-invalidate', invalidateSource);
