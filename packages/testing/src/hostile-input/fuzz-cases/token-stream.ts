// Token streams with hostile stream ids: each id opens its own stream and reads back only its chunk.
import { TokenStreamAlreadyExistsError, type TokenStream } from '@tristack/core';
import { readTokenStreamToEnd } from '../../conformance/token-stream.js';
import type { FuzzCase, FuzzDriverFactory } from '../fuzz-target.js';
import { markerOf } from '../fuzz-target.js';
import { hostileIds } from '../hostile-ids.js';
import { IdentityTally, inChunks } from '../identity-tally.js';

/** Token stream ids, fuzzed on the streams `create` builds. */
export const tokenStreamFuzzCase =
  <Client>(create: FuzzDriverFactory<TokenStream, Client>): FuzzCase<Client> =>
  async (target) => {
    const api = 'token stream id';
    const tokens = await create(target, api);
    const tally = new IdentityTally(api);
    const ids = hostileIds(api, target.count);
    const opened: number[] = [];
    await inChunks(ids, target.concurrency, async (id, index) => {
      let existed = false;
      const outcome = await tally.attempt(id, async () => {
        try {
          const writer = await tokens.open(id, { heartbeatIntervalMs: 0, coalesceMs: 0 });
          await writer.write(markerOf(index));
          await writer.end();
        } catch (error) {
          // Another id's stream already sits on this id's keys.
          if (!(error instanceof TokenStreamAlreadyExistsError)) throw error;
          existed = true;
        }
      });
      if (existed) tally.collision(id, 'open found the stream already there');
      else if (outcome === 'accepted') opened.push(index);
    });
    await inChunks(opened, target.concurrency, async (index) => {
      const id = ids[index]!;
      const status = await tally.check(id, () => tokens.status(id));
      if (status && (status.state !== 'ended' || status.chunks !== 1))
        tally.collision(id, `status ${status.state} with ${status.chunks} chunks`);
      const { entries, error } = await readTokenStreamToEnd(tokens, id);
      if (error) tally.fail(id, error);
      const chunks = entries.map((entry) => entry.chunk);
      if (JSON.stringify(chunks) !== JSON.stringify([markerOf(index)]))
        tally.collision(id, `read ${JSON.stringify(chunks)}`);
    });
    return [tally];
  };
