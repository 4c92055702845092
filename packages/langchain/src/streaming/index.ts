export {
  pipeMessagesToTokenStream,
  type GraphMessageEvent,
  type PipeMessagesOptions,
} from './pipe-messages-to-token-stream.js';
export {
  streamGraphToTokenStream,
  type MessagesStreamingGraph,
  type StreamGraphOptions,
  type GraphStreamOutcome,
} from './stream-graph-to-token-stream.js';
export {
  tokenStreamSseHandler,
  tokenStreamSseFetchHandler,
  type TokenStreamSseHandlerOptions,
} from './token-stream-sse-handler.js';
