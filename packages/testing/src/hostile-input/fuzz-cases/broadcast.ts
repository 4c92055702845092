// Broadcast channels named by hostile ids: a message reaches the subscribers of its channel only.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Broadcast } from '@tristack/core';
import type { FuzzCase, FuzzDriverFactory } from '../fuzz-target.js';
import { markerOf } from '../fuzz-target.js';
import { hostileIds } from '../hostile-ids.js';
import { IdentityTally, inChunks } from '../identity-tally.js';

/** Broadcast channel names, fuzzed on the broadcasts `create` builds. */
export const broadcastFuzzCase =
  <Client>(create: FuzzDriverFactory<Broadcast, Client>): FuzzCase<Client> =>
  async (target) => {
    const api = 'broadcast channel';
    const broadcast = await create(target, api);
    const tally = new IdentityTally(api);
    const ids = hostileIds(api, target.count);
    const received = new Map<number, string[]>();
    let deliveries = 0;
    try {
      await inChunks(ids, target.concurrency, async (id, index) => {
        const outcome = await tally.attempt(id, () =>
          broadcast.subscribe(id, ({ message }) => {
            deliveries++;
            received.get(index)!.push(message);
          }),
        );
        if (outcome === 'accepted') received.set(index, []);
      });
      await inChunks([...received.keys()], target.concurrency, async (index) => {
        await tally.check(ids[index]!, () => broadcast.publish(ids[index]!, markerOf(index)));
      });
      // Pub/sub is asynchronous: wait for every message, then a little longer for strays.
      for (let waited = 0; deliveries < received.size && waited < 10_000; waited += 20) await sleep(20);
      await sleep(200);
      for (const [index, messages] of received)
        if (JSON.stringify(messages) !== JSON.stringify([markerOf(index)]))
          tally.collision(ids[index]!, `received ${JSON.stringify(messages)}`);
    } finally {
      await broadcast.close();
    }
    return [tally];
  };
