import { RedisTokenStream, type RedisClientInput } from '@tristack/redis';

/**
 * Tokens written to a Redis stream as the model produces them; a client that reconnects passes
 * the last id it saw (`Last-Event-ID`) and gets the rest, from any worker.
 */
export function resumableStream(client: RedisClientInput) {
  const streams = new RedisTokenStream({ client });
  return {
    async produce(streamId: string, tokens: readonly string[]) {
      const writer = await streams.open(streamId);
      for (const token of tokens) await writer.write(token);
      await writer.end();
    },
    async readFrom(streamId: string, after?: string) {
      const entries: { id: string; chunk: string }[] = [];
      for await (const entry of streams.read(streamId, after ? { after } : {})) entries.push(entry);
      return entries;
    },
  };
}
