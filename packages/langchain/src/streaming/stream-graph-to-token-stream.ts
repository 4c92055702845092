import type { RunnableConfig } from '@langchain/core/runnables';
import type { TokenStream, TokenStreamOpenOptions } from '@tristack/core';
import {
  pipeMessagesToTokenStream,
  type GraphMessageEvent,
  type PipeMessagesOptions,
} from './pipe-messages-to-token-stream.js';

/** A graph (compiled `StateGraph`, `createAgent` agent) that can stream in `messages` mode. */
export interface MessagesStreamingGraph<Input> {
  stream(
    input: Input,
    options: RunnableConfig & { streamMode: 'messages' },
  ): Promise<AsyncIterable<GraphMessageEvent>>;
}

export interface StreamGraphOptions extends PipeMessagesOptions {
  tokenStream: TokenStream;
  streamId: string;
  /** The run's config (thread id, context…); the writer's cancel signal is added to it. */
  config?: RunnableConfig & { context?: unknown };
  /** Options of `tokenStream.open`. */
  open?: TokenStreamOpenOptions;
}

/** How a background graph run ended. */
export type GraphStreamOutcome = { state: 'ended'; chunks: number } | { state: 'failed'; error: unknown };

/**
 * Opens the token stream, then runs the graph in the background, piping its tokens into it.
 * Resolves once the stream exists (serve it over SSE right away); `done` settles when the run
 * ends — it never rejects, so a fire-and-forget run cannot crash the process. `cancel(streamId)`
 * on the token stream aborts the run.
 */
export async function streamGraphToTokenStream<Input>(
  graph: MessagesStreamingGraph<Input>,
  input: Input,
  options: StreamGraphOptions,
): Promise<{ streamId: string; done: Promise<GraphStreamOutcome> }> {
  const writer = await options.tokenStream.open(options.streamId, options.open);
  const run = async (): Promise<GraphStreamOutcome> => {
    let events: AsyncIterable<GraphMessageEvent>;
    try {
      events = await graph.stream(input, {
        ...options.config,
        signal: writer.signal,
        streamMode: 'messages',
      });
    } catch (error) {
      await writer.fail(error).catch(() => {});
      return { state: 'failed', error };
    }
    try {
      const { chunks } = await pipeMessagesToTokenStream(events, writer, options);
      return { state: 'ended', chunks };
    } catch (error) {
      return { state: 'failed', error };
    }
  };
  return { streamId: writer.streamId, done: run() };
}
