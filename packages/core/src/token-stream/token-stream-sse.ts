import { TristackError } from '../errors.js';
import type { TokenStream, TokenStreamEntry } from './token-stream.js';

export interface TokenStreamSseOptions {
  /** Resume after this id; overrides the request's `Last-Event-ID` header. */
  after?: string;
  /**
   * The `data` of each chunk's event. Line breaks become several `data:` lines, which the client
   * joins with `\n` (a lone `\r` arrives as `\n`).
   * @default the chunk itself
   */
  encode?: (entry: TokenStreamEntry) => string;
  /**
   * Comment line sent when no event went out for this long, so proxies keep the connection open, in ms.
   * `0` sends none.
   * @default 15_000
   */
  keepAliveMs?: number;
  /** Reconnection delay the browser should use (`retry:` field), in ms. */
  retryMs?: number;
}

/** Headers of an SSE response: no buffering by proxies, no caching. */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

function dataLines(text: string): string {
  return text
    .split(/\r\n|\r|\n/)
    .map((line) => `data: ${line}\n`)
    .join('');
}

/**
 * The SSE frames of a token stream: an `id`/`data` event per chunk, then `event: end`, or
 * `event: error` with `{ code, message }` when the stream failed, its producer is gone, or it
 * cannot be resumed. Keep-alive comments fill silences. Stops when `signal` aborts.
 */
export async function* tokenStreamSseFrames(
  tokenStream: TokenStream,
  streamId: string,
  after: string | undefined,
  signal: AbortSignal,
  options: TokenStreamSseOptions,
): AsyncGenerator<string> {
  const encode = options.encode ?? ((entry: TokenStreamEntry) => entry.chunk);
  const keepAliveMs = options.keepAliveMs ?? 15_000;
  if (options.retryMs !== undefined) yield `retry: ${Math.max(0, Math.floor(options.retryMs))}\n\n`;
  const entries = tokenStream.read(streamId, { ...(after !== undefined ? { after } : {}), signal });
  try {
    let pending = entries.next();
    for (;;) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const keepAlive =
        keepAliveMs > 0
          ? new Promise<'keep-alive'>((resolve) => {
              timer = setTimeout(() => resolve('keep-alive'), keepAliveMs);
            })
          : undefined;
      const next = await (keepAlive ? Promise.race([pending, keepAlive]) : pending).finally(() =>
        clearTimeout(timer),
      );
      if (next === 'keep-alive') {
        yield ': keep-alive\n\n';
        continue;
      }
      if (next.done) break;
      yield `id: ${next.value.id}\n${dataLines(encode(next.value))}\n`;
      pending = entries.next();
    }
    if (!signal.aborted) yield 'event: end\ndata: \n\n';
  } catch (error) {
    if (signal.aborted) return;
    const code = TristackError.isInstance(error) ? error.code : 'INTERNAL';
    const message = error instanceof Error ? error.message : String(error);
    yield `event: error\n${dataLines(JSON.stringify({ code, message }))}\n`;
  } finally {
    await entries.return?.();
  }
}
