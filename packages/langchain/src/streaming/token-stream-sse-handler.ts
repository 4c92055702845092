import {
  sendTokenStreamSse,
  tokenStreamSseResponse,
  type SseNodeRequest,
  type SseNodeResponse,
  type TokenStream,
  type TokenStreamSseOptions,
} from '@tristack/core';

export interface TokenStreamSseHandlerOptions extends Omit<TokenStreamSseOptions, 'after'> {
  /**
   * The stream id of a request URL (path and query).
   * @default the last path segment, e.g. `/streams/<streamId>`
   */
  streamId?: (url: URL) => string;
}

const lastSegment = (url: URL) => decodeURIComponent(url.pathname.split('/').filter(Boolean).at(-1) ?? '');

/**
 * A Node `http` request handler serving token streams as resumable Server-Sent Events (core's
 * `sendTokenStreamSse`): a reconnecting `EventSource` sends `Last-Event-ID` and continues after
 * the last token it saw. 400 on a malformed id, 404 for an unknown stream.
 */
export function tokenStreamSseHandler(tokenStream: TokenStream, options: TokenStreamSseHandlerOptions = {}) {
  const { streamId = lastSegment, ...sse } = options;
  return (request: SseNodeRequest & { url?: string }, response: SseNodeResponse): Promise<void> =>
    sendTokenStreamSse(
      tokenStream,
      streamId(new URL(request.url ?? '/', 'http://localhost')),
      request,
      response,
      sse,
    );
}

/** The same for fetch-style runtimes (Hono, Next.js route handlers, Bun, Deno): `Request` → `Response`. */
export function tokenStreamSseFetchHandler(
  tokenStream: TokenStream,
  options: TokenStreamSseHandlerOptions = {},
) {
  const { streamId = lastSegment, ...sse } = options;
  return (request: Request): Promise<Response> =>
    tokenStreamSseResponse(tokenStream, streamId(new URL(request.url)), request, sse);
}
