// Rate limits keyed by hostile ids: spending one id's whole budget leaves every other id's intact.
import type { RateLimiter, RateLimiterOptions, RateLimitKey, StoreRateLimiterOptions } from '@tristack/core';
import type { FuzzCase, FuzzDriverFactory, FuzzTarget } from '../fuzz-target.js';
import { hostileIds } from '../hostile-ids.js';
import { IdentityTally, inChunks } from '../identity-tally.js';

const BUDGET = 3;

/** What a rate limiter is built with for the fuzz: the limits and timeout every driver shares. */
type RateLimiterFuzzOptions = RateLimiterOptions & StoreRateLimiterOptions;

async function fuzzKeys<Client>(
  target: FuzzTarget<Client>,
  create: FuzzDriverFactory<RateLimiter, Client, RateLimiterFuzzOptions>,
  api: string,
  keyOf: (id: string) => RateLimitKey,
) {
  // First-hit windows: an epoch-aligned one rolls over for every id at once when a run straddles a
  // multiple of windowMs (seen in CI: remaining [2,1,2,1] read as a collision).
  const window = {
    algorithm: 'fixed-window',
    anchor: 'first-hit',
    limit: BUDGET,
    windowMs: 600_000,
  } as const;
  const limiter = await create(target, api, {
    limits: [
      { name: 'calls', scope: 'default', ...window },
      { name: 'calls', scope: 'user', ...window },
      { name: 'calls', scope: 'tenant', ...window },
    ],
    // A loaded test machine must not turn a slow reply into 'store-unavailable'.
    timeoutMs: 10_000,
  });
  const tally = new IdentityTally(api);
  const ids = hostileIds(api, target.count);
  const accepted: number[] = [];
  // Even ids spend their whole budget; the next call is denied.
  await inChunks(ids, target.concurrency, async (id, index) => {
    if (index % 2 !== 0) return;
    const remaining: number[] = [];
    const outcome = await tally.attempt(id, async () => {
      for (let call = 0; call <= BUDGET; call++) {
        const result = await limiter.limit(keyOf(id));
        if (result.reason === 'store-unavailable') throw new Error('store-unavailable');
        remaining.push(result.allowed ? result.remaining : -1);
      }
    });
    if (outcome !== 'accepted') return;
    accepted.push(index);
    if (JSON.stringify(remaining) !== JSON.stringify([2, 1, 0, -1]))
      tally.collision(id, `remaining after each call ${JSON.stringify(remaining)}, expected [2,1,0,-1]`);
  });
  // Odd ids are untouched by all that: a full budget, then one call charged to them alone.
  await inChunks(ids, target.concurrency, async (id, index) => {
    if (index % 2 === 0) return;
    const seen: number[] = [];
    const outcome = await tally.attempt(id, async () => {
      for (const call of [() => limiter.peek(keyOf(id)), () => limiter.limit(keyOf(id))]) {
        const result = await call();
        if (result.reason === 'store-unavailable') throw new Error('store-unavailable');
        seen.push(result.allowed ? result.remaining : -1);
      }
    });
    if (outcome !== 'accepted') return;
    accepted.push(index);
    if (JSON.stringify(seen) !== JSON.stringify([BUDGET, BUDGET - 1]))
      tally.collision(id, `peek/limit remaining ${JSON.stringify(seen)}, expected [${BUDGET},${BUDGET - 1}]`);
  });
  // reset() of an even id gives back its own budget only: the odd ids stay at one call spent.
  await inChunks(accepted, target.concurrency, async (index) => {
    if (index % 2 === 0) await tally.check(ids[index]!, () => limiter.reset(keyOf(ids[index]!)));
  });
  await inChunks(accepted, target.concurrency, async (index) => {
    const id = ids[index]!;
    const result = await tally.check(id, () => limiter.peek(keyOf(id)));
    const expected = index % 2 === 0 ? BUDGET : BUDGET - 1;
    if (result && result.remaining !== expected)
      tally.collision(id, `after resets: remaining ${result.remaining}, expected ${expected}`);
  });
  return tally;
}

/** The rate limiter's keys, fuzzed on the drivers `create` builds with the options it is given. */
export const rateLimiterFuzzCase =
  <Client>(create: FuzzDriverFactory<RateLimiter, Client, RateLimiterFuzzOptions>): FuzzCase<Client> =>
  async (target) => [
    await fuzzKeys(target, create, 'rate limiter key', (id) => id),
    await fuzzKeys(target, create, 'rate limiter user', (id) => ({ user: id })),
    await fuzzKeys(target, create, 'rate limiter tenant', (id) => ({ tenant: id })),
  ];
