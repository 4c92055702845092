import { Hono } from 'hono';
import { tokenStreamSseResponse } from '@tristack/core';
import {
  RedisCircuitBreaker,
  RedisConversationLease,
  RedisConversationMemory,
  RedisRateLimiter,
  RedisTokenStream,
  type RedisClientInput,
} from '@tristack/redis';

/** Stands in for a streaming model call: the reply, a few characters per token. */
export type ModelStream = (history: readonly string[], text: string) => AsyncIterable<string>;

export async function* demoModel(history: readonly string[], text: string): AsyncIterable<string> {
  const reply = `Reply ${history.length / 2 + 1} to "${text}" (after ${history.length} messages).`;
  for (let index = 0; index < reply.length; index += 6) {
    await new Promise((resolve) => setTimeout(resolve, 15));
    yield reply.slice(index, index + 6);
  }
}

/**
 * The chat API of one worker. Every piece of state is in Redis, so any worker serves any request:
 * the per-user limit, the conversation's single-writer lease, its memory, the model's breaker and
 * the token streams clients resume from.
 */
export function createChatApp(client: RedisClientInput, workerId: string, model: ModelStream = demoModel) {
  const limiter = new RedisRateLimiter({
    client,
    name: 'chat',
    limits: [{ name: 'rpm', scope: 'user', algorithm: 'sliding-window', limit: 30, windowMs: 60_000 }],
  });
  const lease = new RedisConversationLease({ client });
  const memory = new RedisConversationMemory({ client });
  const breaker = new RedisCircuitBreaker({ client, failureRateThreshold: null, consecutiveFailures: 3 });
  const streams = new RedisTokenStream({ client });
  const app = new Hono();

  // Starts a turn and answers at once with the stream to read; the turn runs under the lease.
  app.post('/chat', async (context) => {
    const { userId, conversationId, text } = await context.req.json<Record<string, string>>();
    const limited = await limiter.limit({ user: userId! });
    if (!limited.allowed)
      return context.json({ error: 'rate limited', retryAfterMs: limited.retryAfterMs }, 429);
    const streamId = `${conversationId}-${crypto.randomUUID().slice(0, 8)}`;
    const writer = await streams.open(streamId);
    void lease
      .run(
        `conversation:${conversationId}`,
        async () => {
          const address = { userId: userId!, conversationId: conversationId! };
          const history = (await memory.read(address)).map((message) => String(message.content));
          const reply = await breaker.execute('model', async () => {
            let answer = '';
            for await (const token of model(history, text!)) {
              answer += token;
              await writer.write(token);
            }
            return answer;
          });
          await memory.append(address, [
            { role: 'user', content: text! },
            { role: 'assistant', content: reply, metadata: { worker: workerId } },
          ]);
          await writer.end();
        },
        { ttlMs: 10_000, waitMs: 30_000 },
      )
      .catch((error: unknown) => writer.fail(error));
    return context.json({ streamId, worker: workerId }, 202);
  });

  // SSE from any worker; a reconnect sends Last-Event-ID and gets only what it missed.
  app.get('/streams/:streamId', (context) =>
    tokenStreamSseResponse(streams, context.req.param('streamId'), context.req.raw, { keepAliveMs: 5_000 }),
  );

  app.get('/conversations/:userId/:conversationId', async (context) => {
    const messages = await memory.read({
      userId: context.req.param('userId'),
      conversationId: context.req.param('conversationId'),
    });
    return context.json({
      messages: messages.map(({ role, content, metadata }) => ({ role, content, metadata })),
    });
  });

  app.get('/health', (context) => context.json({ worker: workerId }));
  return { app, close: () => breaker.close() };
}
