import type { BaseMessage } from '@langchain/core/messages';
import type { TokenStreamWriter } from '@tristack/core';

/** What LangGraph yields per event with `streamMode: 'messages'`: a message chunk and its metadata. */
export type GraphMessageEvent = [BaseMessage, Record<string, unknown>];

export interface PipeMessagesOptions {
  /**
   * Which events reach the stream.
   * @default AI messages (and chunks) only: tool results and echoed inputs are not the answer
   */
  filter?: (message: BaseMessage, metadata: Record<string, unknown>) => boolean;
  /** Only messages of these graph nodes (`metadata.langgraph_node`). @default every node */
  nodes?: readonly string[];
  /** The text written for a message. @default its text content (text blocks joined) */
  text?: (message: BaseMessage) => string;
}

const isAnswer = (message: BaseMessage) => message.getType() === 'ai';

/**
 * Writes a graph's `messages` stream into a token stream: each AI token as one chunk, then
 * `end()`; when the graph fails, `fail(error)` (readers see an `error` event) and the error is
 * rethrown. Stops early when the writer's `signal` aborts (someone called `cancel`).
 * @returns how many chunks were written.
 */
export async function pipeMessagesToTokenStream(
  events: AsyncIterable<GraphMessageEvent>,
  writer: TokenStreamWriter,
  options: PipeMessagesOptions = {},
): Promise<{ chunks: number }> {
  const filter = options.filter ?? isAnswer;
  const text = options.text ?? ((message: BaseMessage) => message.text);
  let chunks = 0;
  try {
    for await (const [message, metadata] of events) {
      if (writer.signal.aborted) break;
      if (options.nodes && !options.nodes.includes(metadata.langgraph_node as string)) continue;
      if (!filter(message, metadata)) continue;
      const chunk = text(message);
      if (chunk.length === 0) continue;
      await writer.write(chunk);
      chunks++;
    }
  } catch (error) {
    await writer.fail(error);
    throw error;
  }
  if (writer.signal.aborted) await writer.fail(writer.signal.reason);
  else await writer.end();
  return { chunks };
}
