import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { sendTokenStreamSse, tokenStreamSseResponse, type TokenStream } from '@tristack/core';
import { afterEach, describe, expect, it } from 'vitest';
import { parseSse, type SseEvent } from './sse-client.js';

/** Serves `GET /<streamId>` from a token stream on a real loopback HTTP server. */
async function serve(
  tokenStream: TokenStream,
  finished: Promise<void>[] = [],
): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    const streamId = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname.slice(1));
    finished.push(sendTokenStreamSse(tokenStream, streamId, request, response, { keepAliveMs: 50 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** Connects with fetch and collects events until `limit` (then disconnects) or the body ends. */
async function connect(
  url: string,
  lastEventId?: string,
  limit = Number.POSITIVE_INFINITY,
): Promise<{ status: number; events: SseEvent[]; body?: string }> {
  const controller = new AbortController();
  const response = await fetch(url, {
    headers: lastEventId ? { 'last-event-id': lastEventId } : {},
    signal: controller.signal,
  });
  if (!response.headers.get('content-type')?.startsWith('text/event-stream'))
    return { status: response.status, events: [], body: await response.text() };
  const events: SseEvent[] = [];
  try {
    for await (const event of parseSse(response.body!)) {
      events.push(event);
      if (events.length >= limit) break;
    }
  } finally {
    controller.abort();
  }
  return { status: response.status, events };
}

const chunkEvents = (events: SseEvent[]) => events.filter((event) => event.event === 'message');

/** The SSE responders over any driver: a real HTTP client resumes with `Last-Event-ID`. */
export function describeTokenStreamSse(fresh: () => Promise<TokenStream>): void {
  describe('SSE responders', () => {
    const servers: Server[] = [];
    afterEach(async () => {
      await Promise.all(
        servers.splice(0).map(
          (server) =>
            new Promise((resolve) => {
              server.closeAllConnections();
              server.close(resolve);
            }),
        ),
      );
    });

    it('Node http: a client that disconnects resumes with Last-Event-ID and gets the rest exactly once', async () => {
      const tokens = await fresh();
      const finished: Promise<void>[] = [];
      const { url, server } = await serve(tokens, finished);
      servers.push(server);
      const writer = await tokens.open('sse-1', { coalesceMs: 1 });
      const written = Array.from({ length: 120 }, (_, index) =>
        index % 7 === 0 ? `line ${index}\n` : `w${index} `,
      );
      const producing = (async () => {
        for (const [index, chunk] of written.entries()) {
          await writer.write(chunk);
          if (index % 20 === 0) await sleep(5);
        }
        await writer.end();
      })();
      const received: SseEvent[] = [];
      let lastEventId: string | undefined;
      for (let attempt = 0; attempt < 20; attempt++) {
        const { status, events } = await connect(`${url}/sse-1`, lastEventId, 25);
        expect(status).toBe(200);
        received.push(...events);
        lastEventId = chunkEvents(received).at(-1)?.id ?? lastEventId;
        if (events.at(-1)?.event === 'end') break;
      }
      await producing;
      expect(received.at(-1)?.event).toBe('end');
      expect(chunkEvents(received).map((event) => event.data)).toEqual(written);
      // The server side stopped reading for every disconnected client.
      await Promise.all(finished);
    });

    it('Node http: answers 404 for an unknown stream, 400 for a malformed Last-Event-ID, and reports failures', async () => {
      const tokens = await fresh();
      const { url, server } = await serve(tokens);
      servers.push(server);
      const missing = await connect(`${url}/nope`);
      expect(missing.status).toBe(404);
      expect(JSON.parse(missing.body!)).toMatchObject({ code: 'NOT_FOUND' });
      const writer = await tokens.open('sse-failed');
      await writer.write('half');
      await writer.fail(new Error('model timed out'));
      const malformed = await connect(`${url}/sse-failed`, 'garbage');
      expect(malformed.status).toBe(400);
      expect(JSON.parse(malformed.body!)).toMatchObject({ code: 'INVALID_INPUT' });
      const failed = await connect(`${url}/sse-failed`);
      expect(failed.events.map((event) => event.event)).toEqual(['message', 'error']);
      expect(JSON.parse(failed.events[1]!.data)).toMatchObject({ code: 'STREAM_FAILED' });
      expect(JSON.parse(failed.events[1]!.data).message).toContain('model timed out');
    });

    it('Web Response: resumes after Last-Event-ID and stops reading when the body is cancelled', async () => {
      const tokens = await fresh();
      const writer = await tokens.open('sse-web');
      for (let index = 0; index < 10; index++) await writer.write(`${index}`);
      await writer.flush();
      const first = await tokenStreamSseResponse(tokens, 'sse-web', new Request('http://x/sse-web'));
      expect(first.status).toBe(200);
      expect(first.headers.get('content-type')).toContain('text/event-stream');
      const head: SseEvent[] = [];
      for await (const event of parseSse(first.body!)) {
        head.push(event);
        if (head.length === 4) break;
      }
      expect(head.map((event) => event.data)).toEqual(['0', '1', '2', '3']);
      await writer.end('!');
      const rest = await tokenStreamSseResponse(
        tokens,
        'sse-web',
        new Request('http://x/sse-web', { headers: { 'last-event-id': head[3]!.id! } }),
      );
      const tail: SseEvent[] = [];
      for await (const event of parseSse(rest.body!)) tail.push(event);
      expect(tail.map((event) => [event.event, event.data])).toEqual([
        ...['4', '5', '6', '7', '8', '9', '!'].map((data) => ['message', data]),
        ['end', ''],
      ]);
      const missing = await tokenStreamSseResponse(tokens, 'nope', undefined);
      expect(missing.status).toBe(404);
    });
  });
}
