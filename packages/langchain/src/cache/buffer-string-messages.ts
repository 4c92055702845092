import {
  AIMessage,
  ChatMessage,
  HumanMessage,
  SystemMessage,
  type BaseMessage,
} from '@langchain/core/messages';

// The line prefixes LangChain's `getBufferString` writes (`Human:`, `AI:`, `System:`, `Tool:`, a
// generic message's own role), with the message each becomes. Tool results stay tool results.
const PREFIXES: Record<string, (content: string) => BaseMessage> = {
  human: (content) => new HumanMessage(content),
  user: (content) => new HumanMessage(content),
  ai: (content) => new AIMessage(content),
  assistant: (content) => new AIMessage(content),
  system: (content) => new SystemMessage(content),
  developer: (content) => new SystemMessage(content),
  tool: (content) => new ChatMessage({ role: 'tool', content }),
  function: (content) => new ChatMessage({ role: 'function', content }),
};

const MESSAGE_START = /(?:^|\n)(human|user|ai|assistant|system|developer|tool|function): /gi;

/**
 * The messages of a prompt LangChain flattened with `getBufferString` (what the legacy cache
 * interface is handed), split at each line that starts with a role prefix. Text before the first
 * prefix (a plain LLM prompt) is a user message.
 *
 * The split need not be exact to be safe: the caches hash every message but the last user one
 * exactly (system prompt and history are scope), so text that looks like a prefix only moves part
 * of a message into the exact scope — fewer hits, never another caller's answer.
 */
export function messagesOfBufferString(prompt: string): BaseMessage[] {
  const starts = [...prompt.matchAll(MESSAGE_START)].map((match) => ({
    role: match[1]!.toLowerCase(),
    // Where the prefix begins (after the newline) and where the content begins.
    at: match.index + (match[0].startsWith('\n') ? 1 : 0),
    content: match.index + match[0].length,
  }));
  const messages: BaseMessage[] = [];
  const leading = prompt.slice(0, starts[0]?.at ?? prompt.length).replace(/\n$/, '');
  if (leading !== '' || starts.length === 0) messages.push(new HumanMessage(leading));
  starts.forEach((start, index) => {
    const end = index + 1 < starts.length ? starts[index + 1]!.at - 1 : prompt.length;
    messages.push(PREFIXES[start.role]!(prompt.slice(start.content, end)));
  });
  return messages;
}
