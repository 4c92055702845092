import { afterEach, describe, expect, it } from 'vitest';
import { compositeKey } from '@tristack/core';
import { RedisConversationLease } from '@tristack/redis';
import { useRedis } from '@tristack/testing/redis';
import { createChatApp } from './app.js';
import { issueSessionToken } from './session.js';

const redis = useRedis();
const SECRET = 'chat-app-test-secret-of-32-characters-or-more';
const apps: { close: () => Promise<void> | void }[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

function chatApp() {
  const chat = createChatApp({ client: redis.client, workerId: 'w1', sessionSecret: SECRET });
  apps.push(chat);
  return chat.app;
}

const bearer = (userId: string, tenantId = 'acme') => ({
  authorization: `Bearer ${issueSessionToken(userId, tenantId, SECRET)}`,
});

type App = ReturnType<typeof chatApp>;

const postChat = (app: App, headers: Record<string, string>, body: object) =>
  app.request('/chat', {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { ...headers, 'content-type': 'application/json' },
  });

/** Starts a turn and reads its SSE stream to the end. */
async function turn(app: App, headers: Record<string, string>, conversationId: string, text: string) {
  const started = await postChat(app, headers, { conversationId, text });
  expect(started.status).toBe(202);
  const { streamId } = (await started.json()) as { streamId: string };
  return { streamId, done: readStream(app, headers, streamId) };
}

async function readStream(app: App, headers: Record<string, string>, streamId: string) {
  const response = await app.request(`/streams/${encodeURIComponent(streamId)}`, { headers });
  expect(response.status).toBe(200);
  return response.text();
}

async function transcript(app: App, headers: Record<string, string>, conversationId: string) {
  const response = await app.request(`/conversations/${encodeURIComponent(conversationId)}`, { headers });
  expect(response.status).toBe(200);
  const { messages } = (await response.json()) as { messages: { role: string; content: string }[] };
  return messages.map((message) => `${message.role}: ${message.content}`);
}

describe('examples/multi-worker: identity from the session only', () => {
  it('answers 401 without a valid session token, and writes nothing', async () => {
    const app = chatApp();
    const forged = issueSessionToken('alice', 'acme', 'not-the-server-secret-of-32-characters');
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer nonsense' },
      { authorization: `Bearer ${forged}` },
      { cookie: `session=${forged}` },
    ];
    for (const headers of attempts) {
      expect(
        (await postChat(app, headers, { userId: 'alice', conversationId: 'c1', text: 'hi' })).status,
      ).toBe(401);
      expect((await app.request('/conversations/c1', { headers })).status).toBe(401);
      expect((await app.request('/conversations/alice/c1', { headers })).status).toBe(401);
      expect((await app.request('/streams/anything', { headers })).status).toBe(401);
    }
    expect(await redis.client.dbSize()).toBe(0);
    expect((await app.request('/health')).status).toBe(200);
  });

  it('accepts the session token as a cookie (for EventSource)', async () => {
    const app = chatApp();
    const cookie = { cookie: `session=${issueSessionToken('alice', 'acme', SECRET)}` };
    expect((await app.request('/conversations/c1', { headers: cookie })).status).toBe(200);
  });

  it('answers 403 when the body or path names another user or tenant, and writes nothing', async () => {
    const app = chatApp();
    const alice = bearer('alice');
    expect((await postChat(app, alice, { userId: 'bob', conversationId: 'c1', text: 'hi' })).status).toBe(
      403,
    );
    expect(
      (await postChat(app, alice, { tenantId: 'globex', conversationId: 'c1', text: 'hi' })).status,
    ).toBe(403);
    expect((await app.request('/conversations/bob/c1', { headers: alice })).status).toBe(403);
    expect(await redis.client.dbSize()).toBe(0);

    // Naming oneself is allowed (older clients), and lands in the session's own conversation.
    const own = await postChat(app, alice, { userId: 'alice', conversationId: 'c1', text: 'mine' });
    expect(own.status).toBe(202);
    await readStream(app, alice, ((await own.json()) as { streamId: string }).streamId);
    expect(await transcript(app, alice, 'c1')).toEqual([
      'user: mine',
      'assistant: Reply 1 to "mine" (after 0 messages).',
    ]);
    const viaOldPath = await app.request('/conversations/alice/c1', { headers: alice });
    expect(((await viaOldPath.json()) as { messages: unknown[] }).messages).toHaveLength(2);
  });

  it('users with the same conversation id share neither memory, lease nor stream', async () => {
    const app = chatApp();
    // Pairs an attacker would pick to collide: hand-joined `tenant:user` keys would meet.
    const sessions = [
      bearer('alice'),
      bearer('bob'),
      bearer('alice', 'globex'),
      bearer('x:y', 'acme'),
      bearer('y', 'acme:x'),
      bearer('alice\u2000'),
      bearer('alice 00'),
    ];
    // Hold alice's lease on c1 from outside: her turn must wait, nobody else's may.
    const lease = new RedisConversationLease({ client: redis.client });
    const held = await lease.acquire(
      compositeKey([
        ['tenant', 'acme'],
        ['user', 'alice'],
        ['conversation', 'c1'],
      ]),
      { ttlMs: 30_000 },
    );
    const alice = await turn(app, sessions[0]!, 'c1', 'from user 0');
    const others = await Promise.all(
      sessions.slice(1).map((headers, index) => turn(app, headers, 'c1', `from user ${index + 1}`)),
    );
    await Promise.all(others.map((other) => other.done));
    for (const [index, headers] of sessions.entries()) {
      if (index === 0) continue;
      expect(await transcript(app, headers, 'c1')).toEqual([
        `user: from user ${index}`,
        `assistant: Reply 1 to "from user ${index}" (after 0 messages).`,
      ]);
    }
    // Alice's turn is still waiting for her lease: nothing of anyone else's reached her memory.
    expect(await transcript(app, sessions[0]!, 'c1')).toEqual([]);

    // No user reads another's stream, even knowing its id.
    for (const other of others)
      expect(
        (await app.request(`/streams/${encodeURIComponent(other.streamId)}`, { headers: sessions[0]! }))
          .status,
      ).toBe(404);
    expect(
      (await app.request(`/streams/${encodeURIComponent(alice.streamId)}`, { headers: sessions[1]! })).status,
    ).toBe(404);

    await lease.release(held);
    expect(await alice.done).toMatch(/event: end\n/);
    expect(await transcript(app, sessions[0]!, 'c1')).toEqual([
      'user: from user 0',
      'assistant: Reply 1 to "from user 0" (after 0 messages).',
    ]);
  });

  it('answers 400 for an invalid or too long conversation id, and writes nothing', async () => {
    const app = chatApp();
    for (const conversationId of ['c\uD800', '', 'x'.repeat(257)])
      expect((await postChat(app, bearer('alice'), { conversationId, text: 'hi' })).status).toBe(400);
    expect(await redis.client.keys('*')).toEqual([]);
  });
});
