// The semantic cache's exact tier keyed by hostile tenant ids and tag values: an answer stored
// for one id is never served to another, and invalidating one id removes its entry only.
import type { SemanticCache, SemanticCacheOptions, SemanticCacheRequest } from '@tristack/core';
import type { FuzzCase, FuzzDriverFactory, FuzzTarget } from '../fuzz-target.js';
import { markerOf } from '../fuzz-target.js';
import { hostileIds } from '../hostile-ids.js';
import { hasNoLoneSurrogate, IdentityTally, inChunks } from '../identity-tally.js';

interface CacheDimension {
  api: string;
  request(id: string): SemanticCacheRequest;
  invalidate(id: string, entryId: string): Parameters<SemanticCache['invalidate']>[0];
  acceptable?: (id: string) => boolean;
}

async function fuzzScope<Client>(
  target: FuzzTarget<Client>,
  create: FuzzDriverFactory<SemanticCache, Client, SemanticCacheOptions>,
  dimension: CacheDimension,
): Promise<IdentityTally> {
  // Failures must surface here, not turn into misses.
  const cache = await create(target, dimension.api, { failOpen: false });
  const tally = new IdentityTally(dimension.api, dimension.acceptable);
  const ids = hostileIds(dimension.api, target.count);
  const stored: number[] = [];
  const entryIds = new Map<number, string>();
  await inChunks(ids, target.concurrency, async (id, index) => {
    const outcome = await tally.attempt(id, async () => {
      const result = await cache.store(dimension.request(id), { content: markerOf(index) });
      if (!result.stored) throw new Error(`not stored: ${result.reason}`);
      entryIds.set(index, result.entryId);
    });
    if (outcome === 'accepted') stored.push(index);
  });
  const expectAnswer = async (index: number, expected: string | undefined, when: string) => {
    const id = ids[index]!;
    const result = await tally.check(id, () => cache.lookup(dimension.request(id), { exactOnly: true }));
    if (!result) return;
    const answer = result.hit ? result.response.content : undefined;
    if (answer !== expected) tally.collision(id, `${when}: served ${JSON.stringify(answer)}`);
  };
  await inChunks(stored, target.concurrency, (index) => expectAnswer(index, markerOf(index), 'after store'));
  const invalidated = new Set(stored.filter((_, position) => position % 2 === 0));
  await inChunks([...invalidated], target.concurrency, async (index) => {
    const result = await tally.check(ids[index]!, () =>
      cache.invalidate(dimension.invalidate(ids[index]!, entryIds.get(index)!)),
    );
    if (result && result.removed !== 1) tally.collision(ids[index]!, `invalidate removed ${result.removed}`);
  });
  await inChunks(stored, target.concurrency, (index) =>
    expectAnswer(index, invalidated.has(index) ? undefined : markerOf(index), 'after invalidating half'),
  );
  return tally;
}

// Every id asks the very same question of the same model: only the scope tells them apart.
const question = (scope: Pick<SemanticCacheRequest, 'tenant' | 'user' | 'tags'>): SemanticCacheRequest => ({
  ...scope,
  model: 'gpt-test',
  messages: [{ role: 'user', content: "What's in my inbox?" }],
});

/**
 * The semantic cache's exact tier, fuzzed on the caches `create` builds; `tagValueAcceptable` is
 * the oracle for tag values (by default: up to 1024 characters, well-formed).
 */
export const semanticCacheFuzzCase =
  <Client>(
    create: FuzzDriverFactory<SemanticCache, Client, SemanticCacheOptions>,
    tagValueAcceptable: (id: string) => boolean = (id) => id.length <= 1024 && hasNoLoneSurrogate(id),
  ): FuzzCase<Client> =>
  async (target) => [
    await fuzzScope(target, create, {
      api: 'semantic cache tenant',
      request: (id) => question({ tenant: id }),
      invalidate: (id) => ({ tenant: id }),
    }),
    await fuzzScope(target, create, {
      api: 'semantic cache user',
      request: (id) => question({ tenant: 'acme', user: id }),
      invalidate: (_, entryId) => ({ tenant: 'acme', entryIds: [entryId] }),
    }),
    // Tags were the way to scope by user before `user` existed; callers still do.
    await fuzzScope(target, create, {
      api: 'semantic cache tags.user',
      request: (id) => question({ tenant: 'acme', tags: { user: id } }),
      invalidate: (id) => ({ tenant: 'acme', tags: { user: id } }),
      // A tag value is free text up to 1024 characters, but well-formed: it is scope, stored for invalidation.
      acceptable: tagValueAcceptable,
    }),
  ];
