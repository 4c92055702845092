import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { compositeKey, type ConversationMemory } from '@tristack/core';
import { idSchema } from '@tristack/core/driver-kit';
import { MissingRunIdentityError, resolveIdentity } from '../run-identity.js';
import {
  identitySourceOption,
  instanceOption,
  parseMiddlewareOptions,
} from '../middleware/middleware-option-schemas.js';

export const chatStreamOptionsSchema = z.object({
  /** The chat the client names (`useChat`'s `id`): only ever looked up within the caller's own streams. */
  chatId: idSchema,
  /**
   * Where each user's "current stream of this chat" pointer is kept: one small conversation per
   * user and chat in this memory (Redis: shared by the fleet), so any worker finds the stream to
   * resume or stop, and only for the user who started it.
   */
  pointers: instanceOption<ConversationMemory>('pointers', ['read', 'append']),
  /** Who is asking. @default the identity set by `withRunIdentity` */
  identity: identitySourceOption,
});
/** Which chat's streams a call opens, resumes or stops, and whose (the caller's own, never another user's). */
export type ChatStreamOptions = z.input<typeof chatStreamOptionsSchema>;

/** The caller's chat: the streams of a chat are keyed by tenant, user and chat, never by the chat id alone. */
export interface ChatStreamOwner {
  /** A new turn of the chat and its stream id (one stream per answer, never reused). */
  newTurn(): { turn: string; streamId: string };
  /** Makes `turn` the chat's current turn for this user. */
  setCurrent(turn: string): Promise<void>;
  /** The chat's current stream for this user, if any. */
  current(): Promise<string | undefined>;
}

const TURN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Resolves the caller and their chat once per request; a caller naming no user is refused. */
export function chatStreamOwner(input: ChatStreamOptions, what: string): ChatStreamOwner {
  const options = parseMiddlewareOptions(chatStreamOptionsSchema, input, what);
  const { tenantId, userId } = resolveIdentity(options.identity);
  // Without a user, every anonymous caller would share (and could read or stop) one chat's streams.
  if (userId === undefined) throw new MissingRunIdentityError(what, 'userId');
  const owner = [
    ['tenant', tenantId],
    ['user', userId],
    ['chat', options.chatId],
  ] as const;
  const address = {
    ...(tenantId !== undefined ? { tenantId } : {}),
    userId,
    conversationId: compositeKey([
      ['chat', options.chatId],
      ['kind', 'ui-message-streams'],
    ]),
  };
  // The pointer holds only the turn: the stream id is rebuilt from the caller's own identity.
  const streamIdOf = (turn: string) => compositeKey([...owner, ['turn', turn]]);
  return {
    newTurn: () => {
      const turn = randomUUID();
      return { turn, streamId: streamIdOf(turn) };
    },
    async setCurrent(turn) {
      await options.pointers.append(address, [{ role: 'system', content: turn }]);
    },
    async current() {
      const [last] = await options.pointers.read(address, { last: 1 });
      return typeof last?.content === 'string' && TURN.test(last.content)
        ? streamIdOf(last.content)
        : undefined;
    },
  };
}
