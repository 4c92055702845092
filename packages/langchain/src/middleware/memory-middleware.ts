import type { BaseMessage } from '@langchain/core/messages';
import { createMiddleware } from 'langchain';
import type { ConversationAddress, ConversationMemory } from '@tristack/core';
import { fromMemoryMessage, toMemoryMessage } from '../message-conversion.js';
import {
  defaultRunIdentity,
  runIdentityContextSchema,
  type ResolveRunIdentity,
  type RunIdentity,
} from '../run-context.js';

export interface MemoryMiddlewareOptions {
  memory: ConversationMemory;
  /** @default defaultRunIdentity */
  identity?: ResolveRunIdentity;
  /**
   * The conversation of a run, or `undefined` to run without memory.
   * @default `{ tenantId, userId, conversationId }` of the run; `undefined` when user or conversation is missing
   */
  address?: (identity: RunIdentity) => ConversationAddress | undefined;
  /** Token budget of the history loaded before each model call. @default 4000 */
  maxTokens?: number;
  /** At most this many history messages. @default 100 */
  maxMessages?: number;
}

const defaultAddress = (identity: RunIdentity): ConversationAddress | undefined =>
  identity.userId && identity.conversationId
    ? {
        userId: identity.userId,
        conversationId: identity.conversationId,
        ...(identity.tenantId ? { tenantId: identity.tenantId } : {}),
      }
    : undefined;

/** History from memory that the state does not hold yet, starting at a turn boundary. */
function missingHistory(history: BaseMessage[], present: ReadonlySet<string>): BaseMessage[] {
  const missing = history.filter((message) => !message.id || !present.has(message.id));
  // A budget cut can leave tool results whose request was trimmed: providers reject those.
  let start = 0;
  while (start < missing.length && missing[start]!.getType() === 'tool') start++;
  return missing.slice(start);
}

/**
 * Conversation memory for agents, even without a checkpointer: before each model call the
 * conversation's recent messages (token-budgeted) are put in front of the request; after the turn
 * the turn's new messages are appended, so another worker or a restarted one continues it.
 */
export function memoryMiddleware(options: MemoryMiddlewareOptions) {
  const identityOf = options.identity ?? defaultRunIdentity;
  const addressOf = options.address ?? defaultAddress;
  return createMiddleware({
    name: 'TristackMemory',
    contextSchema: runIdentityContextSchema,
    wrapModelCall: async (request, handler) => {
      const address = addressOf(identityOf(request.runtime));
      if (!address) return handler(request);
      const stored = await options.memory.read(address, {
        maxTokens: options.maxTokens ?? 4000,
        last: options.maxMessages ?? 100,
      });
      if (stored.length === 0) return handler(request);
      const present = new Set(request.messages.flatMap((message) => (message.id ? [message.id] : [])));
      const history = missingHistory(stored.map(fromMemoryMessage), present);
      return handler({ ...request, messages: [...history, ...request.messages] });
    },
    afterAgent: async (state, runtime) => {
      const address = addressOf(identityOf(runtime));
      if (!address) return;
      const messages = state.messages.filter((message) => message.getType() !== 'system');
      if (messages.length === 0) return;
      // With a checkpointer the state also holds earlier turns: append only what memory lacks.
      const recent = await options.memory.read(address, { last: messages.length });
      const storedIds = new Set(recent.map((message) => message.metadata?.messageId));
      const fresh = messages.filter((message) => !message.id || !storedIds.has(message.id));
      if (fresh.length > 0) await options.memory.append(address, fresh.map(toMemoryMessage));
    },
  });
}
