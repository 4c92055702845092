import { setTimeout as sleep } from 'node:timers/promises';
import { Hono, type Context } from 'hono';
import { getCookie } from 'hono/cookie';
import {
  compositeKey,
  InvalidInputError,
  parseCompositeKey,
  tokenStreamSseResponse,
  validateId,
} from '@tristack/core';
import {
  RedisCircuitBreaker,
  RedisConversationLease,
  RedisConversationMemory,
  RedisRateLimiter,
  RedisTokenStream,
  type RedisClientInput,
} from '@tristack/redis';
import { verifySessionToken, type Session } from './session.js';

/** Stands in for a streaming model call: the reply, a few characters per token. */
export type ModelStream = (history: readonly string[], text: string) => AsyncIterable<string>;

export async function* demoModel(history: readonly string[], text: string): AsyncIterable<string> {
  const reply = `Reply ${history.length / 2 + 1} to "${text}" (after ${history.length} messages).`;
  for (let index = 0; index < reply.length; index += 6) {
    await sleep(15);
    yield reply.slice(index, index + 6);
  }
}

export interface ChatAppOptions {
  client: RedisClientInput;
  workerId: string;
  /** Verifies the session tokens (`issueSessionToken`); the same on every worker. */
  sessionSecret: string;
  model?: ModelStream;
}

type ChatEnv = { Variables: { session: Session } };

/** The bearer token (`Authorization: Bearer …`), or the `session` cookie for browsers' EventSource. */
function sessionToken(context: Context): string | undefined {
  const authorization = context.req.header('authorization');
  if (authorization?.startsWith('Bearer ')) return authorization.slice('Bearer '.length).trim();
  return getCookie(context, 'session');
}

/** One (tenant, user)'s rate-limit id: typed, encoded parts, never joined by hand. */
const userKey = ({ tenantId, userId }: Session) =>
  compositeKey([
    ['tenant', tenantId],
    ['user', userId],
  ]);

/** True when a stream id was minted for this session (`tenant=…:user=…:turn=…`). */
function ownsStream(session: Session, streamId: string): boolean {
  try {
    const [tenant, user] = parseCompositeKey(streamId);
    return (
      tenant?.[0] === 'tenant' &&
      tenant[1] === session.tenantId &&
      user?.[0] === 'user' &&
      user[1] === session.userId
    );
  } catch {
    return false;
  }
}

/**
 * The chat API of one worker. Every piece of state is in Redis, so any worker serves any request:
 * the per-user limit, the conversation's single-writer lease, its memory, the model's breaker and
 * the token streams clients resume from. Who a request runs as comes only from the signed session
 * token: a user or tenant id in the body or path must match it (403), so no request reaches
 * another user's conversation, lease, stream or budget.
 */
export function createChatApp({ client, workerId, sessionSecret, model = demoModel }: ChatAppOptions) {
  const limiter = new RedisRateLimiter({
    client,
    name: 'chat',
    limits: [{ name: 'rpm', scope: 'user', algorithm: 'sliding-window', limit: 30, windowMs: 60_000 }],
  });
  const lease = new RedisConversationLease({ client });
  const memory = new RedisConversationMemory({ client });
  const breaker = new RedisCircuitBreaker({ client, failureRateThreshold: null, consecutiveFailures: 3 });
  const streams = new RedisTokenStream({ client });
  const app = new Hono<ChatEnv>();

  app.get('/health', (context) => context.json({ worker: workerId }));

  const authenticate = async (context: Context<ChatEnv>, next: () => Promise<void>) => {
    const session = verifySessionToken(sessionToken(context), sessionSecret);
    if (!session) return context.json({ error: 'unauthenticated' }, 401);
    context.set('session', session);
    await next();
  };
  app.use('/chat', authenticate);
  app.use('/streams/*', authenticate);
  app.use('/conversations/*', authenticate);

  // Starts a turn and answers at once with the stream to read; the turn runs under the lease.
  app.post('/chat', async (context) => {
    const session = context.get('session');
    const body = await context.req
      .json<Record<string, unknown>>()
      .catch(() => ({}) as Record<string, unknown>);
    // Older clients still send ids: accepted only when they are the session's own.
    if (body['userId'] !== undefined && body['userId'] !== session.userId)
      return context.json({ error: 'forbidden: userId is not the session user' }, 403);
    if (body['tenantId'] !== undefined && body['tenantId'] !== session.tenantId)
      return context.json({ error: 'forbidden: tenantId is not the session tenant' }, 403);
    const { conversationId, text } = body;
    if (typeof conversationId !== 'string' || typeof text !== 'string')
      return context.json({ error: 'conversationId and text are required strings' }, 400);

    validateId(conversationId, 'conversationId');
    const address = { tenantId: session.tenantId, userId: session.userId, conversationId };
    const resource = compositeKey([
      ['tenant', session.tenantId],
      ['user', session.userId],
      ['conversation', conversationId],
    ]);
    const streamId = compositeKey([
      ['tenant', session.tenantId],
      ['user', session.userId],
      ['turn', crypto.randomUUID()],
    ]);
    // A stream id longer than 256 characters once encoded would be replaced by its digest, and
    // ownsStream could no longer read the owner from it: a 400 before anything is charged or written.
    if (!ownsStream(session, streamId))
      return context.json({ error: 'tenant and user ids are too long for a stream id' }, 400);

    const limited = await limiter.limit({ user: userKey(session) });
    if (!limited.allowed)
      return context.json({ error: 'rate limited', retryAfterMs: limited.retryAfterMs }, 429);
    const writer = await streams.open(streamId);
    void lease
      .run(
        resource,
        async () => {
          const history = (await memory.read(address)).map((message) => String(message.content));
          const reply = await breaker.execute('model', async () => {
            let answer = '';
            for await (const token of model(history, text)) {
              answer += token;
              await writer.write(token);
            }
            return answer;
          });
          await memory.append(address, [
            { role: 'user', content: text },
            { role: 'assistant', content: reply, metadata: { worker: workerId } },
          ]);
          await writer.end();
        },
        { ttlMs: 10_000, waitMs: 30_000 },
      )
      .catch((error: unknown) => writer.fail(error));
    return context.json({ streamId, worker: workerId }, 202);
  });

  // SSE from any worker, only to the session that started the turn; a reconnect sends
  // Last-Event-ID and gets only what it missed.
  app.get('/streams/:streamId', (context) => {
    const streamId = context.req.param('streamId');
    if (!ownsStream(context.get('session'), streamId)) return context.json({ error: 'not found' }, 404);
    return tokenStreamSseResponse(streams, streamId, context.req.raw, { keepAliveMs: 5_000 });
  });

  const transcript = async (context: Context<ChatEnv>, session: Session, conversationId: string) => {
    const messages = await memory.read({ ...session, conversationId });
    return context.json({
      messages: messages.map(({ role, content, metadata }) => ({ role, content, metadata })),
    });
  };
  app.get('/conversations/:conversationId', (context) =>
    transcript(context, context.get('session'), context.req.param('conversationId')),
  );
  // The old path with a user id: only the session's own.
  app.get('/conversations/:userId/:conversationId', (context) => {
    const session = context.get('session');
    if (context.req.param('userId') !== session.userId)
      return context.json({ error: 'forbidden: userId is not the session user' }, 403);
    return transcript(context, session, context.req.param('conversationId'));
  });

  // Ids that are not valid (too long, control characters, lone surrogates) are the client's fault.
  app.onError((error, context) =>
    error instanceof InvalidInputError
      ? context.json({ error: error.message }, 400)
      : context.json({ error: 'internal error' }, 500),
  );
  return { app, close: () => breaker.close() };
}
