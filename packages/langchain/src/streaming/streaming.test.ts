import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, AIMessageChunk, type BaseMessage } from '@langchain/core/messages';
import { ChatGenerationChunk, type ChatResult } from '@langchain/core/outputs';
import { MessagesAnnotation, StateGraph } from '@langchain/langgraph';
import { HumanMessage } from '@langchain/core/messages';
import { afterEach, describe, expect, it } from 'vitest';
import { driverTable } from '../drivers.fixture.js';
import { streamGraphToTokenStream, tokenStreamSseFetchHandler, tokenStreamSseHandler } from './index.js';

const TOKENS = ['The ', 'capital ', 'of ', 'France ', 'is ', 'Paris', '.'];

/** A fake provider that streams its tokens and pauses after `pauseAfter` of them until released. */
class GatedStreamingModel extends BaseChatModel {
  released!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.released = resolve));
  constructor(private readonly pauseAfter: number) {
    super({});
  }
  _llmType() {
    return 'gated-streaming';
  }
  async _generate(messages: BaseMessage[], options: this['ParsedCallOptions']): Promise<ChatResult> {
    let text = '';
    for await (const chunk of this._streamResponseChunks(messages, options)) text += chunk.text;
    return { generations: [{ text, message: new AIMessage(text) }] };
  }
  override async *_streamResponseChunks(
    _messages: BaseMessage[],
    _options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    for (const [index, token] of TOKENS.entries()) {
      if (index === this.pauseAfter) await this.gate;
      const chunk = new ChatGenerationChunk({ text: token, message: new AIMessageChunk(token) });
      await runManager?.handleLLMNewToken(token, undefined, undefined, undefined, undefined, { chunk });
      yield chunk;
    }
  }
}

function graphOf(model: BaseChatModel) {
  return new StateGraph(MessagesAnnotation)
    .addNode('agent', async (state) => ({ messages: [await model.invoke(state.messages)] }))
    .addEdge('__start__', 'agent')
    .compile();
}

interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

/** Reads SSE events from a fetch response until `stop` says so or the body ends. */
async function readEvents(response: Response, stop: (events: SseEvent[]) => boolean): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return events;
      buffer += value;
      let boundary: number;
      while ((boundary = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, boundary);
        buffer = buffer.slice(boundary + 2);
        if (frame.startsWith(':')) continue;
        const event: SseEvent = { data: '' };
        const data: string[] = [];
        for (const line of frame.split('\n')) {
          const [field, ...rest] = line.split(': ');
          const value = rest.join(': ');
          if (field === 'id') event.id = value;
          else if (field === 'event') event.event = value;
          else if (field === 'data') data.push(value);
        }
        event.data = data.join('\n');
        events.push(event);
        if (stop(events)) return events;
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

const table = driverTable();
let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

describe.each(['memory', 'redis'] as const)('graph tokens over resumable SSE with %s drivers', (kind) => {
  it('a real HTTP client reads a graph’s tokens, disconnects mid-answer and resumes with Last-Event-ID', async () => {
    const tokenStream = table[kind]().tokenStream();
    const model = new GatedStreamingModel(4);
    const { streamId, done } = await streamGraphToTokenStream(
      graphOf(model),
      { messages: [new HumanMessage('capital of France?')] },
      { tokenStream, streamId: `answer-${kind}`, open: { coalesceMs: 0 } },
    );
    const base = await listen(tokenStreamSseHandler(tokenStream));

    const firstConnection = new AbortController();
    const first = await fetch(`${base}/streams/${streamId}`, { signal: firstConnection.signal });
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toMatch(/text\/event-stream/);
    const before = await readEvents(first, (events) => events.length === 4);
    firstConnection.abort();
    expect(before.map((event) => event.data)).toEqual(TOKENS.slice(0, 4));
    // The model is still paused: the answer is not over, the client left mid-answer.
    expect((await tokenStream.status(streamId))?.state).toBe('open');

    model.released();
    const resumed = await fetch(`${base}/streams/${streamId}`, {
      headers: { 'last-event-id': before.at(-1)!.id! },
    });
    const after = await readEvents(resumed, (events) => events.at(-1)?.event === 'end');
    expect(after.at(-1)).toMatchObject({ event: 'end' });
    const text = [...before, ...after.slice(0, -1)].map((event) => event.data).join('');
    expect(text).toBe(TOKENS.join(''));
    expect(await done).toEqual({ state: 'ended', chunks: TOKENS.length });

    const missing = await fetch(`${base}/streams/no-such-stream`);
    expect(missing.status).toBe(404);
    await missing.body?.cancel();
    const malformed = await fetch(`${base}/streams/${streamId}`, { headers: { 'last-event-id': 'x' } });
    expect(malformed.status).toBe(400);
    await malformed.body?.cancel();
  });

  it('a failing graph fails the stream: the SSE client gets an error event after the tokens so far', async () => {
    const tokenStream = table[kind]().tokenStream();
    const graph = new StateGraph(MessagesAnnotation)
      .addNode('agent', async () => {
        throw Object.assign(new Error('provider answered 500'), { status: 500 });
      })
      .addEdge('__start__', 'agent')
      .compile();
    const { streamId, done } = await streamGraphToTokenStream(
      graph,
      { messages: [new HumanMessage('hi')] },
      { tokenStream, streamId: `failing-${kind}` },
    );
    const outcome = await done;
    expect(outcome.state).toBe('failed');
    const handler = tokenStreamSseFetchHandler(tokenStream);
    const response = await handler(new Request(`http://localhost/streams/${streamId}`));
    const events = await readEvents(response, (all) => all.at(-1)?.event === 'error');
    expect(events.at(-1)?.event).toBe('error');
    expect(events.at(-1)?.data).toMatch(/provider answered 500/);
  });
});
