import { RedisConversationMemory, RedisConversationLease, type RedisClientInput } from '@tristack/redis';

/**
 * Memory plus a lease: a turn reads the history, answers and appends — and two requests for the
 * same conversation (on any worker) never interleave.
 */
export function rememberTurns(
  client: RedisClientInput,
  answer: (history: string[], text: string) => Promise<string>,
) {
  const memory = new RedisConversationMemory({ client, ttlMs: 7 * 86_400_000, maxMessages: 200 });
  const lease = new RedisConversationLease({ client });
  return (userId: string, conversationId: string, text: string) =>
    lease.run(
      `conversation:${conversationId}`,
      async () => {
        const address = { userId, conversationId };
        const history = (await memory.read(address)).map((message) => String(message.content));
        const reply = await answer(history, text);
        await memory.append(address, [
          { role: 'user', content: text },
          { role: 'assistant', content: reply },
        ]); // one round trip for both messages
        return reply;
      },
      { ttlMs: 30_000, waitMs: 30_000 },
    );
}
