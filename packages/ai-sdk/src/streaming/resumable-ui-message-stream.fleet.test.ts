import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { streamText } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisConversationMemory, RedisTokenStream } from '@tristack/redis';
import { spawnNodeWorker } from '@tristack/testing/fleet';
import { useRedis } from '@tristack/testing/redis';
import { usage } from '../drivers.fixture.js';
import { resumableUIMessageStream, resumeUIMessageStreamResponse } from './resumable-ui-message-stream.js';

const WORKER = fileURLToPath(new URL('./stop-worker.fixture.ts', import.meta.url));
// Long enough that the stop (a process started meanwhile) always lands first: ~30 s at most.
const WORDS = 3_000;

/** A provider streaming one word every 10 ms until done, or until its request is aborted. */
function slowModel() {
  const state = { aborted: false, sent: 0 };
  const model = new MockLanguageModelV3({
    modelId: 'slow',
    doStream: async ({ abortSignal }) => {
      let timer: ReturnType<typeof setInterval> | undefined;
      const stream = new ReadableStream<LanguageModelV3StreamPart>({
        start(controller) {
          controller.enqueue({ type: 'stream-start', warnings: [] });
          controller.enqueue({ type: 'text-start', id: 't' });
          abortSignal?.addEventListener('abort', () => {
            state.aborted = true;
            clearInterval(timer);
            controller.error(abortSignal.reason);
          });
          timer = setInterval(() => {
            if (state.sent === WORDS) {
              clearInterval(timer);
              controller.enqueue({ type: 'text-end', id: 't' });
              controller.enqueue({
                type: 'finish',
                finishReason: { unified: 'stop', raw: 'stop' },
                usage: usage(5, WORDS),
              });
              controller.close();
              return;
            }
            state.sent += 1;
            controller.enqueue({ type: 'text-delta', id: 't', delta: `w${state.sent} ` });
          }, 10);
        },
      });
      return { stream };
    },
  });
  return { model, state };
}

/** The UI message chunks of an SSE body, with their ids, as a client reads them. */
async function* sseEvents(response: Response): AsyncGenerator<{ id?: string; data: string }> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const bytes of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(bytes, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const lines = buffer.slice(0, end).split('\n');
      buffer = buffer.slice(end + 2);
      const id = lines.find((line) => line.startsWith('id: '))?.slice(4);
      const data = lines.find((line) => line.startsWith('data: '))?.slice(6);
      if (data !== undefined) yield { ...(id ? { id } : {}), data };
    }
  }
}

const listen = async (handler: (request: IncomingMessage, response: ServerResponse) => void) => {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
};

describe('resumable UI message streams over HTTP (Redis token stream, two workers, a third process)', () => {
  const redis = useRedis();
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(
      servers
        .splice(0)
        .map((server) => new Promise((resolve) => server.close(resolve).closeAllConnections())),
    );
  });

  it(
    'resumes on another worker and is stopped from another process: the provider call aborts, the partial answer stays',
    { timeout: 60_000 },
    async () => {
      const { model, state } = slowModel();
      const finished: { isAborted?: boolean; text?: string } = {};
      let onFinished!: () => void;
      const finishedPromise = new Promise<void>((resolve) => (onFinished = resolve));
      // Worker A runs the model; worker B only reads the token stream. Each has its own instance.
      const tokensA = new RedisTokenStream({ client: redis.client, prefix: redis.prefix });
      const tokensB = new RedisTokenStream({ client: redis.client, prefix: redis.prefix });
      const pointers = new RedisConversationMemory({ client: redis.client, prefix: redis.prefix });
      const identity = { tenantId: 'acme', userId: 'alice' };
      const workerA = await listen(async (request, response) => {
        const chatId = new URL(request.url!, 'http://x').pathname.split('/')[2]!;
        const { abortSignal, consumeSseStream } = await resumableUIMessageStream(tokensA, {
          chatId,
          pointers,
          identity,
        });
        const result = streamText({ model, prompt: 'write a long answer', abortSignal });
        result.pipeUIMessageStreamToResponse(response, {
          consumeSseStream,
          onFinish: ({ isAborted, responseMessage }) => {
            finished.isAborted = isAborted;
            finished.text = responseMessage.parts
              .map((part) => (part.type === 'text' ? part.text : ''))
              .join('');
            onFinished();
          },
        });
      });
      const workerB = await listen(async (request, response) => {
        const chatId = new URL(request.url!, 'http://x').pathname.split('/')[2]!;
        const lastEventId = request.headers['last-event-id'];
        const resumed = await resumeUIMessageStreamResponse(tokensB, {
          chatId,
          pointers,
          identity,
          request: new Request('http://x/', {
            headers: typeof lastEventId === 'string' ? { 'last-event-id': lastEventId } : {},
          }),
        });
        response.writeHead(resumed.status, Object.fromEntries(resumed.headers));
        if (resumed.body)
          for await (const bytes of resumed.body as unknown as AsyncIterable<Uint8Array>)
            response.write(bytes);
        response.end();
      });
      servers.push(workerA.server, workerB.server);

      // The client starts the chat on A, reads a few words, and loses its connection.
      const disconnect = new AbortController();
      const posted = await fetch(`${workerA.url}/chat/chat-1`, { method: 'POST', signal: disconnect.signal });
      let seenOnA = 0;
      for await (const event of sseEvents(posted)) {
        if (event.data.includes('"text-delta"') && ++seenOnA === 3) break;
      }
      disconnect.abort();

      // It reconnects to B (from the start: `DefaultChatTransport` replays) and reads live words.
      const resumed = await fetch(`${workerB.url}/chat/chat-1/stream`);
      expect(resumed.headers.get('x-vercel-ai-ui-message-stream')).toBe('v1');
      const events: { id?: string; data: string }[] = [];
      let stopper: ReturnType<typeof spawnNodeWorker> | undefined;
      try {
        for await (const event of sseEvents(resumed)) {
          events.push(event);
          const deltas = events.filter((each) => each.data.includes('"text-delta"')).length;
          if (deltas === 10 && !stopper) {
            // A third process presses stop.
            stopper = spawnNodeWorker(WORKER, ['stop', 'acme', 'alice', 'chat-1'], {
              env: {
                FLEET_REDIS_URL: redis.url,
                FLEET_REDIS_DATABASE: String(redis.database),
                FLEET_PREFIX: redis.prefix,
              },
            });
            expect(await stopper.waitForLine(/^stopped /, 30_000)).toBe('stopped true');
          }
        }
      } finally {
        await stopper?.kill();
      }
      await finishedPromise;
      expect(state.aborted).toBe(true);
      expect(state.sent).toBeLessThan(WORDS);
      expect(finished.isAborted).toBe(true);
      const chunks = events
        .filter((event) => event.data !== '[DONE]')
        .map((event) => JSON.parse(event.data) as { type: string; delta?: string });
      expect(chunks.at(-1)!.type).toBe('abort');
      expect(events.at(-1)!.data).toBe('[DONE]');
      const text = chunks.map((chunk) => chunk.delta ?? '').join('');
      expect(text).toMatch(/^w1 w2 w3 /);
      expect(finished.text).toBe(text);

      // The stopped stream stays readable; Last-Event-ID resumes after a given chunk only.
      const third = events[2]!;
      const after = await fetch(`${workerB.url}/chat/chat-1/stream`, {
        headers: { 'last-event-id': third.id! },
      });
      const rest: string[] = [];
      for await (const event of sseEvents(after)) rest.push(event.data);
      expect(rest).toEqual(events.slice(3).map((event) => event.data));
    },
  );

  it('answers 204 for a chat with nothing to resume', async () => {
    const tokens = new RedisTokenStream({ client: redis.client, prefix: redis.prefix });
    const pointers = new RedisConversationMemory({ client: redis.client, prefix: redis.prefix });
    const response = await resumeUIMessageStreamResponse(tokens, {
      chatId: 'no-such-chat',
      pointers,
      identity: { userId: 'alice' },
    });
    expect(response.status).toBe(204);
  });
});
