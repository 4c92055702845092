// `@tristack/openai-agents`: the Tristack primitives under the OpenAI Agents SDK — a `Session` on a
// `ConversationMemory`. Limits, breaker and audit around model calls: see docs/ai-sdk.md.
export {
  ConversationMemorySession,
  type ConversationMemorySessionOptions,
} from './conversation-memory-session.js';
