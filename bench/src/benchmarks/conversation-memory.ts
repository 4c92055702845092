import { HumanMessage } from '@langchain/core/messages';
import { RedisChatMessageHistory } from '@langchain/redis';
import { RedisConversationMemory } from '@tristack/redis';
import type { Benchmark } from '../benchmark.js';
import { countedCase } from '../counted-case.js';
import { formatCommands, serverCommandsPerCall } from '../server-commands.js';

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
 * `@langchain/redis` RedisChatMessageHistory on the same node-redis client: addMessage without a
 * session TTL (one bare LPUSH: the peer) and with one (LPUSH, then EXPIRE), and
 * getMessages (LRANGE 0 -1 of the whole history); one EVALSHA of a no-op script is the scripted
 * floor. Prints server commands per append (INFO commandstats) and the append ratios of the run.
 */
export const conversationMemoryBenchmark: Benchmark = {
  name: 'conversation-memory',
  description:
    'append and read(last 50) vs @langchain/redis RedisChatMessageHistory (addMessage / getMessages)',
  async setup(context) {
    await context.client.flushDb();
    const client = context.client;
    const warmup = context.options.warmup;
    const memory = new RedisConversationMemory({ client, prefix: 'bench', ttlMs: 3_600_000 });
    const noop = await client.scriptLoad('return 1');
    const histories = (name: string, sessionTTL?: number) =>
      Array.from(
        { length: CONVERSATIONS },
        (_, index) =>
          new RedisChatMessageHistory({
            sessionId: `bench:${name}:${index}`,
            client,
            ...(sessionTTL === undefined ? {} : { sessionTTL }),
          }),
      );
    const bare = histories('lc');
    const expiring = histories('lc-ttl', 3600);
    const readAddress = { userId: 'reader', conversationId: 'long' };
    const readHistory = new RedisChatMessageHistory({ sessionId: 'bench:lc:long', sessionTTL: 3600, client });
    for (let index = 0; index < HISTORY; index++) {
      await memory.append(readAddress, [{ role: 'user', content: `${index} ${TEXT}` }]);
      await readHistory.addMessage(new HumanMessage(`${index} ${TEXT}`));
    }
    const appends = [
      countedCase('tristack append (1 message)', warmup, (index) =>
        memory.append({ userId: `u${index % CONVERSATIONS}`, conversationId: 'c' }, [
          { role: 'user', content: TEXT },
        ]),
      ),
      countedCase('langchain addMessage (bare LPUSH, no TTL)', warmup, (index) =>
        bare[index % CONVERSATIONS]!.addMessage(new HumanMessage(TEXT)),
      ),
      countedCase('langchain addMessage, sessionTTL (LPUSH, then EXPIRE)', warmup, (index) =>
        expiring[index % CONVERSATIONS]!.addMessage(new HumanMessage(TEXT)),
      ),
    ];
    // Server commands per append (INFO commandstats deltas), before the timed runs.
    const serverCommands: string[] = [];
    for (const append of appends)
      serverCommands.push(
        `${formatCommands(await serverCommandsPerCall(client, 200, append.run))}  ${append.benchCase.name}`,
      );
    return {
      cases: [
        { name: 'floor: EVALSHA no-op script', run: () => client.evalSha(noop, { keys: ['bench:noop'] }) },
        ...appends.map((append) => append.benchCase),
        { name: `tristack read(last 50 of ${HISTORY})`, run: () => memory.read(readAddress, { last: 50 }) },
        { name: `tristack read(all ${HISTORY})`, run: () => memory.read(readAddress) },
        { name: `langchain getMessages (all ${HISTORY})`, run: () => readHistory.getMessages() },
      ],
      cleanup: async () => {
        for (const line of serverCommands) console.log(`server commands per append: ${line}`);
        const base = appends[1]!.opsPerSecond();
        for (const append of appends)
          console.log(
            `appends/s vs langchain addMessage (bare LPUSH): ${(append.opsPerSecond() / base).toFixed(2)}x  ${append.benchCase.name}`,
          );
        await context.client.flushDb();
      },
    };
  },
};
