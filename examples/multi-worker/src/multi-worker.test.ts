import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { spawnNodeWorker, type NodeWorker } from '@tristack/testing/fleet';
import { useRedis } from '@tristack/testing/redis';
import { issueSessionToken } from './session.js';

const redis = useRedis();
const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));
const SESSION_SECRET = 'multi-worker-test-secret-of-32-characters-or-more';
const ALICE = { authorization: `Bearer ${issueSessionToken('alice', 'acme', SESSION_SECRET)}` };

interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

/** Reads SSE events until `event: end`, or until `stopAfter` data events (then disconnects). */
async function readSse(url: string, lastEventId?: string, stopAfter = Infinity): Promise<SseEvent[]> {
  const controller = new AbortController();
  const response = await fetch(url, {
    headers: lastEventId ? { ...ALICE, 'last-event-id': lastEventId } : ALICE,
    signal: controller.signal,
  });
  expect(response.status).toBe(200);
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: SseEvent[] = [];
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return events;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event: SseEvent = { data: '' };
        for (const line of frame.split('\n')) {
          if (line.startsWith('id: ')) event.id = line.slice(4);
          else if (line.startsWith('event: ')) event.event = line.slice(7);
          else if (line.startsWith('data: ')) event.data += line.slice(6);
        }
        if (frame.startsWith(':')) continue; // keep-alive comment
        events.push(event);
        if (event.event === 'end' || event.event === 'error') return events;
        if (events.filter((candidate) => !candidate.event).length >= stopAfter) return events;
      }
    }
  } finally {
    controller.abort();
  }
}

const text = (events: SseEvent[]) =>
  events
    .filter((event) => !event.event)
    .map((event) => event.data)
    .join('');

describe('examples/multi-worker', () => {
  it('two workers share one conversation: no interleaving, streams resume on the other worker', async () => {
    const workers: NodeWorker[] = [];
    try {
      const env = { REDIS_URL: `${redis.url}/${redis.database}`, PORT: '0', SESSION_SECRET };
      workers.push(spawnNodeWorker(WORKER, [], { env: { ...env, WORKER_ID: 'w1' } }));
      workers.push(spawnNodeWorker(WORKER, [], { env: { ...env, WORKER_ID: 'w2' } }));
      const [one, two] = await Promise.all(
        workers.map(
          async (worker) => /(http:\S+)/.exec(await worker.waitForLine(/listening on/, 20_000))![1]!,
        ),
      );
      const post = (base: string, body: object) =>
        fetch(`${base}/chat`, {
          method: 'POST',
          body: JSON.stringify(body),
          headers: { ...ALICE, 'content-type': 'application/json' },
        });
      const turn = { conversationId: 'c1' };
      const [first, second] = await Promise.all([
        post(one!, { ...turn, text: 'first' }),
        post(two!, { ...turn, text: 'second' }),
      ]);
      expect([first.status, second.status]).toEqual([202, 202]);
      const a = (await first.json()) as { streamId: string; worker: string };
      const b = (await second.json()) as { streamId: string; worker: string };
      expect([a.worker, b.worker]).toEqual(['w1', 'w2']);

      // Read two tokens of A's answer from worker 2, disconnect, resume on worker 1.
      const head = await readSse(`${two}/streams/${encodeURIComponent(a.streamId)}`, undefined, 2);
      expect(head).toHaveLength(2);
      const tail = await readSse(`${one}/streams/${encodeURIComponent(a.streamId)}`, head.at(-1)!.id);
      expect(tail.at(-1)!.event).toBe('end');
      const fullA = await readSse(`${one}/streams/${encodeURIComponent(a.streamId)}`);
      expect(text(head) + text(tail)).toBe(text(fullA));
      expect(text(fullA)).toMatch(/^Reply \d to "first"/);
      await readSse(`${two}/streams/${encodeURIComponent(b.streamId)}`);

      // The transcript: whole turns in order, never a user message between another turn's parts.
      const transcript = (await (await fetch(`${two}/conversations/c1`, { headers: ALICE })).json()) as {
        messages: { role: string; content: string }[];
      };
      expect(transcript.messages.map((message) => message.role)).toEqual([
        'user',
        'assistant',
        'user',
        'assistant',
      ]);
      const [userOne, replyOne, userTwo, replyTwo] = transcript.messages.map((message) => message.content);
      expect(replyOne).toBe(`Reply 1 to "${userOne}" (after 0 messages).`);
      expect(replyTwo).toBe(`Reply 2 to "${userTwo}" (after 2 messages).`);
      expect([userOne, userTwo].sort()).toEqual(['first', 'second']);
    } finally {
      await Promise.all(workers.map((worker) => worker.kill()));
    }
  });
});
