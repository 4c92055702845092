import { validateId } from '../ids.js';
import { TokenStreamNotFoundError } from './token-stream-errors.js';
import { sseStartError, tokenStreamSseStart } from './send-token-stream-sse.js';
import { SSE_HEADERS, tokenStreamSseFrames, type TokenStreamSseOptions } from './token-stream-sse.js';
import type { TokenStream } from './token-stream.js';

/**
 * A Web `Response` streaming a token stream as Server-Sent Events, for fetch-style runtimes
 * (Hono, Next.js route handlers, Deno, Bun). Resumes after the request's `Last-Event-ID`;
 * answers 400 for a malformed id and 404 for an unknown stream. Reading stops when the client
 * cancels the body or `request.signal` aborts.
 */
export async function tokenStreamSseResponse(
  tokenStream: TokenStream,
  streamId: string,
  request: Request | undefined,
  options: TokenStreamSseOptions = {},
): Promise<Response> {
  let after: string | undefined;
  try {
    validateId(streamId, 'streamId');
    after = tokenStreamSseStart(request?.headers.get('last-event-id'), options);
    if (!(await tokenStream.status(streamId))) throw new TokenStreamNotFoundError({ streamId });
  } catch (error) {
    const { status, body } = sseStartError(error);
    return new Response(body, { status, headers: { 'content-type': 'application/json' } });
  }
  const controller = new AbortController();
  request?.signal.addEventListener('abort', () => controller.abort(), { once: true });
  const frames = tokenStreamSseFrames(tokenStream, streamId, after, controller.signal, options);
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(stream) {
      const next = await frames.next();
      if (next.done) stream.close();
      else stream.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      controller.abort();
      await frames.return(undefined);
    },
  });
  return new Response(body, { status: 200, headers: SSE_HEADERS });
}
