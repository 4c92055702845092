// The token stream's user API (also exported from the package root). Material for driver authors
// (base class, sink/source contract, entry ids, settings) is exported from ../driver-kit/index.ts.
export type {
  TokenStream,
  TokenStreamWriter,
  TokenStreamEntry,
  TokenStreamOpenOptions,
  TokenStreamReadOptions,
  TokenStreamState,
  TokenStreamStatus,
} from './token-stream.js';
export type { TokenStreamOptions } from './token-stream-options.js';
export {
  TokenStreamFailedError,
  TokenStreamProducerGoneError,
  TokenStreamTrimmedError,
  TokenStreamNotFoundError,
  TokenStreamAlreadyExistsError,
  TokenStreamClosedError,
  TokenStreamCancelledError,
} from './token-stream-errors.js';
export { InMemoryTokenStreamStore } from './in-memory-token-stream-store.js';
export { InMemoryTokenStream, type InMemoryTokenStreamOptions } from './in-memory-token-stream.js';
export type { TokenStreamSseOptions } from './token-stream-sse.js';
export { sendTokenStreamSse, type SseNodeRequest, type SseNodeResponse } from './send-token-stream-sse.js';
export { tokenStreamSseResponse } from './token-stream-sse-response.js';
