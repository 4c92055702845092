import { TristackError } from '../errors.js';
import { validateId } from '../ids.js';
import { parseInput } from '../validation.js';
import { tokenStreamIdSchema } from './token-stream-cursor.js';
import { TokenStreamNotFoundError } from './token-stream-errors.js';
import { SSE_HEADERS, tokenStreamSseFrames, type TokenStreamSseOptions } from './token-stream-sse.js';
import type { TokenStream } from './token-stream.js';

/** What the responder needs from Node's `http.IncomingMessage` (structural: no `node:http` import). */
export interface SseNodeRequest {
  headers: Record<string, string | string[] | undefined>;
}

/** What the responder needs from Node's `http.ServerResponse`. */
export interface SseNodeResponse {
  writeHead(statusCode: number, headers: Record<string, string>): unknown;
  write(chunk: string): boolean;
  end(chunk?: string): unknown;
  once(event: 'close' | 'drain', listener: () => void): unknown;
  off(event: 'close' | 'drain', listener: () => void): unknown;
  readonly writableEnded: boolean;
}

/**
 * Where an SSE request resumes: `options.after`, else the `Last-Event-ID` header the browser
 * sends on reconnect. Throws `InvalidInputError` for a malformed id.
 */
export function tokenStreamSseStart(
  lastEventId: string | null | undefined,
  options: TokenStreamSseOptions,
): string | undefined {
  const after = options.after ?? (lastEventId || undefined);
  return after === undefined ? undefined : parseInput(tokenStreamIdSchema, after, { what: 'Last-Event-ID' });
}

/** Status and JSON body for an error that prevents the stream from starting. */
export function sseStartError(error: unknown): { status: number; body: string } {
  if (!TristackError.isInstance(error)) throw error;
  const status = error.code === 'INVALID_INPUT' ? 400 : error.code === 'NOT_FOUND' ? 404 : 503;
  return { status, body: JSON.stringify({ code: error.code, message: error.message }) };
}

/**
 * Serves a token stream as Server-Sent Events on a Node `http` response, resuming after the
 * request's `Last-Event-ID`. Answers 400 for a malformed id and 404 for an unknown stream;
 * stops reading when the client disconnects. Resolves when the response has ended.
 */
export async function sendTokenStreamSse(
  tokenStream: TokenStream,
  streamId: string,
  request: SseNodeRequest,
  response: SseNodeResponse,
  options: TokenStreamSseOptions = {},
): Promise<void> {
  let after: string | undefined;
  try {
    validateId(streamId, 'streamId');
    const header = request.headers['last-event-id'];
    after = tokenStreamSseStart(Array.isArray(header) ? header[0] : header, options);
    if (!(await tokenStream.status(streamId))) throw new TokenStreamNotFoundError({ streamId });
  } catch (error) {
    const { status, body } = sseStartError(error);
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(body);
    return;
  }
  const controller = new AbortController();
  const onClose = () => controller.abort();
  response.once('close', onClose);
  response.writeHead(200, { ...SSE_HEADERS });
  try {
    for await (const frame of tokenStreamSseFrames(
      tokenStream,
      streamId,
      after,
      controller.signal,
      options,
    )) {
      if (controller.signal.aborted) break;
      if (!response.write(frame) && !controller.signal.aborted) {
        // Back-pressure: wait until the socket drains, or the client goes away.
        await new Promise<void>((resolve) => {
          const done = () => {
            response.off('drain', done);
            controller.signal.removeEventListener('abort', done);
            resolve();
          };
          response.once('drain', done);
          controller.signal.addEventListener('abort', done, { once: true });
        });
      }
    }
  } finally {
    response.off('close', onClose);
    if (!response.writableEnded) response.end();
  }
}
