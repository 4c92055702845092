import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { useRedis } from '@tristack/testing/redis';
import { auditTrail } from './audit-trail.js';
import { backgroundTool } from './background-tool.js';
import { breakerFetch } from './breaker-fetch.js';
import { cachedCompletion } from './cached-completion.js';
import { countVisit } from './count-visit.js';
import { rateLimited, type HandlerResponse } from './rate-limited-handler.js';
import { rememberTurns } from './remember-turns.js';
import { resumableStream } from './resumable-stream.js';

const redis = useRedis();

function recordingResponse() {
  const sent: { status: number; headers: Record<string, string>; body?: unknown } = {
    status: 200,
    headers: {},
  };
  const response: HandlerResponse = {
    status: (code) => ((sent.status = code), response),
    setHeader: (name, value) => (sent.headers[name] = value),
    json: (body) => (sent.body = body),
  };
  return { sent, response };
}

describe('examples/primitives', () => {
  it('rate-limited handler: the 21st request of a user in a minute gets a 429 with Retry-After', async () => {
    const handle = rateLimited(redis.client, async (_request, response) => void response.json({ ok: true }));
    const statuses: number[] = [];
    for (let index = 0; index < 21; index += 1) {
      const { sent, response } = recordingResponse();
      await handle({ headers: { 'x-user-id': 'alice' } }, response);
      statuses.push(sent.status);
      if (index === 20) expect(Number(sent.headers['Retry-After'])).toBeGreaterThan(0);
    }
    expect(statuses.filter((status) => status === 429)).toHaveLength(1);
    const other = recordingResponse();
    await handle({ headers: { 'x-user-id': 'bob' } }, other.response);
    expect(other.sent.status).toBe(200);
  });

  it('breaker fetch: three 503s open the circuit; then the host is not called at all', async () => {
    let hits = 0;
    const server = createServer((_request, response) => {
      hits += 1;
      response.writeHead(503).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const { fetch, breaker } = breakerFetch(
      redis.client,
      (_url, reason) => new Response(reason, { status: 200 }),
    );
    try {
      const reasons: string[] = [];
      for (let index = 0; index < 5; index += 1) reasons.push(await (await fetch(url)).text());
      expect(reasons).toEqual(['failed', 'failed', 'failed', 'circuit-open', 'circuit-open']);
      expect(hits).toBe(3);
      expect((await breaker.getState(`http:${new URL(url).host}`)).state).toBe('open');
    } finally {
      await breaker.close();
      server.close();
    }
  });

  it('memory + lease: turn 2 sees turn 1, and concurrent turns of one conversation never interleave', async () => {
    const log: string[] = [];
    const turn = rememberTurns(redis.client, async (history, text) => {
      log.push(`start ${text}`);
      await sleep(20);
      log.push(`end ${text}`);
      return `${history.length} earlier messages`;
    });
    expect(await turn('alice', 'c1', 'hello')).toBe('0 earlier messages');
    const [a, b] = await Promise.all([turn('alice', 'c1', 'a'), turn('alice', 'c1', 'b')]);
    expect([a, b].sort()).toEqual(['2 earlier messages', '4 earlier messages']);
    for (let index = 2; index < log.length; index += 2)
      expect(log[index + 1]).toBe(log[index]!.replace('start', 'end'));
  });

  it('cached completion: a repeat is answered from Redis without calling the model', async () => {
    let calls = 0;
    const ask = await cachedCompletion(redis.client, async (question) => `answer ${++calls} to ${question}`);
    expect(await ask('acme', 'What is our refund policy?')).toMatchObject({ cached: false });
    expect(await ask('acme', 'What is our refund policy?')).toEqual({
      answer: 'answer 1 to What is our refund policy?',
      cached: true,
      kind: 'exact',
    });
    expect(await ask('globex', 'What is our refund policy?')).toMatchObject({ cached: false }); // tenants never share
    expect(calls).toBe(2);
  });

  it('background tool: the job runs on a worker and the caller gets its result', async () => {
    const tool = await backgroundTool(redis.client, async (url) => `# ${url}`);
    try {
      expect(await tool.call('https://example.com')).toBe('# https://example.com');
    } finally {
      await tool.close();
    }
  });

  it('resumable stream: a reader reconnecting after entry 2 gets exactly the rest', async () => {
    const stream = resumableStream(redis.client);
    await stream.produce('answer-1', ['Hel', 'lo', ', wor', 'ld']);
    const all = await stream.readFrom('answer-1');
    expect(all.map((entry) => entry.chunk).join('')).toBe('Hello, world');
    const rest = await stream.readFrom('answer-1', all[1]!.id);
    expect(rest.map((entry) => entry.chunk).join('')).toBe(
      all
        .slice(2)
        .map((entry) => entry.chunk)
        .join(''),
    );
  });

  it('audit trail: secrets are redacted, the conversation reads back, the chain verifies', async () => {
    const trail = auditTrail(redis.client);
    await trail.toolCalled('alice', 'c1', 'Github.ListIssues', 'sk-live-1234567890abcdef');
    const [event] = await trail.conversation('alice', 'c1');
    expect(JSON.stringify(event)).not.toContain('sk-live-1234567890abcdef');
    expect(event).toMatchObject({ type: 'tool.call.requested', userId: 'alice', layer: 'tool' });
    expect((await trail.verify()).valid).toBe(true);
  });

  it('raw script: one counter key per user, escaped inside its hash tag', async () => {
    expect(await countVisit(redis.client, 'alice')).toBe(1);
    expect(await countVisit(redis.client, 'alice')).toBe(2);
    expect(await countVisit(redis.client, 'a}b*')).toBe(1);
    expect(await redis.client.exists('tristack:example:{a%7Db%2A}:visits')).toBe(1);
  });
});
