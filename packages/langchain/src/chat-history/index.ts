export {
  TristackChatMessageHistory,
  toLangChainChatHistory,
  type TristackChatMessageHistoryOptions,
} from './tristack-chat-message-history.js';
