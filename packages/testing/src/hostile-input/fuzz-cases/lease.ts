// Leases on hostile resource ids: every id takes its own lease at the same time, and its fence
// and release see only that lease.
import type { ConversationLease, Lease } from '@tristack/core';
import type { FuzzCase, FuzzDriverFactory } from '../fuzz-target.js';
import { hostileIds } from '../hostile-ids.js';
import { IdentityTally, inChunks } from '../identity-tally.js';

/** Lease resource ids, fuzzed on the leases `create` builds. */
export const leaseFuzzCase =
  <Client>(create: FuzzDriverFactory<ConversationLease, Client>): FuzzCase<Client> =>
  async (target) => {
    const api = 'lease resource';
    const lease = await create(target, api);
    const tally = new IdentityTally(api);
    const ids = hostileIds(api, target.count);
    const held = new Map<number, Lease>();
    await inChunks(ids, target.concurrency, async (id, index) => {
      let taken: Lease | undefined;
      const outcome = await tally.attempt(id, async () => {
        taken = await lease.tryAcquire(id);
      });
      if (outcome !== 'accepted') return;
      // Busy means another id's lease sits on this id's key.
      if (!taken) tally.collision(id, 'tryAcquire found the lease busy');
      else if (taken.resource !== id) tally.collision(id, `lease is on ${JSON.stringify(taken.resource)}`);
      else held.set(index, taken);
    });
    await inChunks([...held], target.concurrency, async ([index, taken]) => {
      const id = ids[index]!;
      await tally.check(id, () => lease.assertFence(id, taken.fencingToken));
      const released = await tally.check(id, () => lease.release(taken));
      if (released === false) tally.collision(id, 'release found the lease held by someone else');
    });
    return [tally];
  };
