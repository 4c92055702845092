export {
  resumableUIMessageStream,
  resumeUIMessageStreamResponse,
  stopUIMessageStream,
  type ResumableUIMessageStream,
} from './resumable-ui-message-stream.js';
export type { ChatStreamOptions } from './chat-stream-owner.js';
