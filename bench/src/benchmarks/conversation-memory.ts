import { HumanMessage } from '@langchain/core/messages';
import { RedisChatMessageHistory } from '@langchain/redis';
import { RedisConversationMemory } from '@tristack/redis/conversation-memory';
import type { Benchmark } from '../benchmark.js';

/** A typical user turn (~200 characters). */
const TEXT =
  'Can you summarise the three open tickets for the Acme account, flag anything that breaches the SLA, ' +
  'and draft a short reply to the customer that explains the next steps and the expected timeline?';
/** Conversations the append rows spread over, like a fleet serving many users. */
const CONVERSATIONS = 100;
/** Messages in the conversation the read rows read. */
const HISTORY = 200;

/**
 * Conversation memory on Redis: Tristack's one-script append and windowed read against
 * `@langchain/redis` RedisChatMessageHistory (LPUSH + EXPIRE; LRANGE 0 -1 of the whole history)
 * on the same node-redis client, with one EVALSHA of a no-op script as the scripted floor.
 */
export const conversationMemoryBenchmark: Benchmark = {
  name: 'conversation-memory',
  description:
    'append and read(last 50) vs @langchain/redis RedisChatMessageHistory (addMessage / getMessages)',
  async setup(context) {
    await context.client.flushDb();
    const client = context.client;
    const memory = new RedisConversationMemory({ client, prefix: 'bench', ttlMs: 3_600_000 });
    const noop = await client.scriptLoad('return 1');
    const histories = Array.from(
      { length: CONVERSATIONS },
      (_, index) => new RedisChatMessageHistory({ sessionId: `bench:lc:${index}`, sessionTTL: 3600, client }),
    );
    const readAddress = { userId: 'reader', conversationId: 'long' };
    const readHistory = new RedisChatMessageHistory({ sessionId: 'bench:lc:long', sessionTTL: 3600, client });
    for (let index = 0; index < HISTORY; index++) {
      await memory.append(readAddress, [{ role: 'user', content: `${index} ${TEXT}` }]);
      await readHistory.addMessage(new HumanMessage(`${index} ${TEXT}`));
    }
    return {
      cases: [
        { name: 'floor: EVALSHA no-op script', run: () => client.evalSha(noop, { keys: ['bench:noop'] }) },
        {
          name: 'tristack append (1 message)',
          run: (index) =>
            memory.append({ userId: `u${index % CONVERSATIONS}`, conversationId: 'c' }, [
              { role: 'user', content: TEXT },
            ]),
        },
        {
          name: 'langchain addMessage',
          run: (index) => histories[index % CONVERSATIONS]!.addMessage(new HumanMessage(TEXT)),
        },
        { name: `tristack read(last 50 of ${HISTORY})`, run: () => memory.read(readAddress, { last: 50 }) },
        { name: `tristack read(all ${HISTORY})`, run: () => memory.read(readAddress) },
        { name: `langchain getMessages (all ${HISTORY})`, run: () => readHistory.getMessages() },
      ],
      cleanup: async () => {
        await context.client.flushDb();
      },
    };
  },
};
