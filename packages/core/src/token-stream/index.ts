export type {
  TokenStream,
  TokenStreamWriter,
  TokenStreamEntry,
  TokenStreamOpenOptions,
  TokenStreamReadOptions,
  TokenStreamState,
  TokenStreamStatus,
} from './token-stream.js';
export {
  TOKEN_STREAM_DEFAULTS,
  tokenStreamOpenOptionsSchema,
  tokenStreamSettingsSchema,
  tokenStreamDriverOptionsSchema,
  tokenStreamChunkSchema,
  tokenStreamCancelReasonSchema,
  resolveTokenStreamSettings,
  type TokenStreamSettings,
  type TokenStreamDriverOptions,
} from './token-stream-options.js';
export {
  TokenStreamFailedError,
  TokenStreamProducerGoneError,
  TokenStreamTrimmedError,
  TokenStreamNotFoundError,
  TokenStreamAlreadyExistsError,
  TokenStreamClosedError,
  TokenStreamCancelledError,
} from './token-stream-errors.js';
export {
  tokenStreamIdSchema,
  formatTokenStreamId,
  parseTokenStreamId,
  previousEntryId,
  compareEntryIds,
  type TokenStreamCursor,
} from './token-stream-cursor.js';
export type {
  TokenStreamTerminal,
  StoredTokenStreamEntry,
  TokenStreamLiveness,
  TokenStreamSink,
  TokenStreamSinkReply,
  TokenStreamSource,
} from './token-stream-backend.js';
export { CoalescingTokenStreamWriter } from './coalescing-token-stream-writer.js';
export { readTokenStreamEntries, type ReadLoopSettings } from './read-token-stream-entries.js';
export { InMemoryTokenStreamStore, type InMemoryTokenStreamRecord } from './in-memory-token-stream-store.js';
export {
  InMemoryTokenStream,
  inMemoryTokenStreamOptionsSchema,
  type InMemoryTokenStreamOptions,
} from './in-memory-token-stream.js';
export { tokenStreamSseFrames, SSE_HEADERS, type TokenStreamSseOptions } from './token-stream-sse.js';
export {
  sendTokenStreamSse,
  tokenStreamSseStart,
  type SseNodeRequest,
  type SseNodeResponse,
} from './send-token-stream-sse.js';
export { tokenStreamSseResponse } from './token-stream-sse-response.js';
