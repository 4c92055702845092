import { UI_MESSAGE_STREAM_HEADERS } from 'ai';
import { TristackError, type TokenStream } from '@tristack/core';
import { chatStreamOwner, type ChatStreamOptions } from './chat-stream-owner.js';
import { resumeAfter } from './last-event-id.js';

/** What `toUIMessageStreamResponse` / `pipeUIMessageStreamToResponse` and `streamText` take from a resumable stream. */
export interface ResumableUIMessageStream {
  /** This answer's stream (one per turn of the chat, keyed by tenant, user, chat and turn). */
  streamId: string;
  /**
   * Aborts when the stream is stopped from any instance (`stopUIMessageStream`): give it to
   * `streamText({ abortSignal })` so the provider call is aborted. The AI SDK then ends the UI
   * stream with an `abort` chunk, which is stored too: readers see how it ended.
   */
  abortSignal: AbortSignal;
  /** Stores each UI message chunk of the response (a tee: the response is not slowed). */
  consumeSseStream: (options: { stream: ReadableStream<string> }) => Promise<void>;
}

/**
 * Puts a chat response's UI message stream on a `TokenStream`, so any worker can resume it
 * (`resumeUIMessageStreamResponse`) and any instance can stop it (`stopUIMessageStream`). Open
 * it before `streamText`; one chunk of the token stream per UI message chunk, as its JSON.
 *
 * Each call starts a new stream (a new turn of the chat) owned by the caller's tenant and user,
 * and makes it the chat's current stream for that user only: another user naming the same chat
 * id neither reads, stops nor takes over this one. Throws `MissingRunIdentityError` for a caller
 * naming no user.
 */
export async function resumableUIMessageStream(
  tokens: TokenStream,
  options: ChatStreamOptions,
): Promise<ResumableUIMessageStream> {
  const owner = chatStreamOwner(options, 'resumableUIMessageStream');
  const { turn, streamId } = owner.newTurn();
  const writer = await tokens.open(streamId);
  await owner.setCurrent(turn);
  // The AI SDK treats only an `AbortError` as a stop (an `abort` chunk, `isAborted` in `onFinish`);
  // a provider's fetch rejects with the signal's reason, so the stop is given that name.
  const stop = new AbortController();
  writer.signal.addEventListener(
    'abort',
    () => {
      const reason: unknown = writer.signal.reason;
      stop.abort(new DOMException(reason instanceof Error ? reason.message : 'stopped', 'AbortError'));
    },
    { once: true },
  );
  return {
    streamId,
    abortSignal: stop.signal,
    async consumeSseStream({ stream }) {
      let buffer = '';
      try {
        // The AI SDK's SSE is `data: <json>\n\n` per chunk, then `data: [DONE]\n\n`.
        for await (const text of stream as unknown as AsyncIterable<string>) {
          buffer += text;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const event = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = event
              .split('\n')
              .filter((line) => line.startsWith('data: '))
              .map((line) => line.slice(6))
              .join('\n');
            if (data && data !== '[DONE]') await writer.write(data);
          }
        }
        await writer.end();
      } catch (error) {
        // Stopped: what was produced stays, and readers finish normally.
        if (stop.signal.aborted) await writer.end();
        else await writer.fail(error);
      }
    },
  };
}

/**
 * The route a client reconnects to (`GET /api/chat/:id/stream` for the AI SDK's
 * `DefaultChatTransport`, on any worker): the chat's current stream of the calling user, its
 * stored UI message chunks as SSE, each with its `id`, from the start or after the request's
 * `Last-Event-ID` (one that is not an id of a stream resumes from the start), then live until the
 * stream ends. `204` when the user has no stream in this chat, as the AI SDK expects of a chat
 * with nothing to resume — also when another user's stream has this chat id.
 */
export async function resumeUIMessageStreamResponse(
  tokens: TokenStream,
  options: ChatStreamOptions & { request?: Request | undefined },
): Promise<Response> {
  const { request, ...chat } = options;
  const streamId = await chatStreamOwner(chat, 'resumeUIMessageStreamResponse').current();
  if (streamId === undefined || !(await tokens.status(streamId))) return new Response(null, { status: 204 });
  const after = resumeAfter(request?.headers.get('last-event-id'));
  const controller = new AbortController();
  request?.signal.addEventListener('abort', () => controller.abort(), { once: true });
  const entries = tokens.read(streamId, { ...(after ? { after } : {}), signal: controller.signal });
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(stream) {
      try {
        const next = await entries.next();
        if (next.done) {
          stream.enqueue(encoder.encode('data: [DONE]\n\n'));
          stream.close();
        } else stream.enqueue(encoder.encode(`id: ${next.value.id}\ndata: ${next.value.chunk}\n\n`));
      } catch (error) {
        // A failed or vanished producer: an error chunk the AI SDK client shows, then the end.
        // Only the error's code: a store's or provider's own message stays on the server.
        const errorText = TristackError.isInstance(error)
          ? `stream ended: ${error.code}`
          : 'stream ended: error';
        stream.enqueue(encoder.encode(`data: ${JSON.stringify({ type: 'error', errorText })}\n\n`));
        stream.close();
      }
    },
    async cancel() {
      controller.abort();
      await entries.return?.(undefined);
    },
  });
  return new Response(body, { status: 200, headers: UI_MESSAGE_STREAM_HEADERS });
}

/**
 * Stops the calling user's current response in a chat from any instance: the producing worker's
 * `abortSignal` aborts, the provider call is aborted and the partial answer stays stored (and
 * resumable) with an `abort` chunk at its end. `false` when the stream is not open (already
 * ended, or the user has none in this chat).
 */
export async function stopUIMessageStream(
  tokens: TokenStream,
  options: ChatStreamOptions & { reason?: string | undefined },
): Promise<boolean> {
  const { reason = 'stopped', ...chat } = options;
  const streamId = await chatStreamOwner(chat, 'stopUIMessageStream').current();
  return streamId === undefined ? false : tokens.cancel(streamId, reason);
}
