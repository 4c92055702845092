import { z } from 'zod';
import { idSchema } from '../ids.js';
import {
  jsonObjectSchema as jsonObjectSchemaOf,
  jsonRefinement,
  MAX_METADATA_DEPTH,
} from '../json-boundary.js';

/** Who a message is from. */
export const MESSAGE_ROLES = ['system', 'user', 'assistant', 'tool'] as const;
export type MessageRole = (typeof MESSAGE_ROLES)[number];

/** A JSON value (what metadata, tool arguments and content blocks may hold). */
export type MessageJsonValue =
  string | number | boolean | null | MessageJsonValue[] | { [key: string]: MessageJsonValue };

/** A structured content part (text, image_url, …), as the model providers define them. */
export interface ContentBlock {
  type: string;
  [key: string]: MessageJsonValue;
}

/** A tool call an assistant message asks for. */
export interface ToolCall {
  /** Provider-assigned id; the `tool` message answering it carries it as `toolCallId`. */
  id: string;
  name: string;
  args: { [key: string]: MessageJsonValue };
}

/** A message as the caller appends it. The store assigns `id`, `createdAt` and `tokenCount`. */
export interface MessageInput {
  role: MessageRole;
  /** Text, or content blocks. */
  content: string | ContentBlock[];
  /** Participant or tool name. */
  name?: string;
  /** Only on `assistant` messages. */
  toolCalls?: ToolCall[];
  /** Required on `tool` messages, not allowed on others. */
  toolCallId?: string;
  metadata?: { [key: string]: MessageJsonValue };
}

/** A message as read back. */
export interface StoredMessage extends MessageInput {
  /**
   * Store-assigned, unique within the conversation, ordered: `<ms>-<sequence>`, where the
   * sequence rises by one per message of the conversation. Pass it as `read({ before })` to
   * page backwards.
   */
  id: string;
  /** When the store accepted the message, ms since the epoch (the store's clock). */
  createdAt: number;
  /** Tokens the memory's token counter gave the message when it was appended. */
  tokenCount: number;
}

/** Addresses one conversation. Ids are validated and escaped: no id reaches another user's data. */
export interface ConversationAddress {
  tenantId?: string;
  userId: string;
  conversationId: string;
}

/** Addresses one user (within a tenant). A bare string is a `userId` without tenant. */
export interface UserAddress {
  tenantId?: string;
  userId: string;
}

/** Options of `read`. Without any, the whole (trimmed) conversation is returned. */
export interface ReadMessagesOptions {
  /** At most this many messages: the newest ones (before `before`, when given). */
  last?: number;
  /** Only messages older than this message id (paging backwards). */
  before?: string;
  /** The newest messages whose `tokenCount`s sum to at most this budget. */
  maxTokens?: number;
}

/** Options of `listConversations`. */
export interface ListConversationsOptions {
  /** @default 100 */
  limit?: number;
}

/** One entry of a user's conversation index. */
export interface ConversationSummary {
  tenantId?: string;
  userId: string;
  conversationId: string;
  /** Messages held now (after trimming). */
  messageCount: number;
  /** Time of the last `append`, ms since the epoch. */
  lastActivityAt: number;
  /** When the conversation expires unless appended to or touched. */
  expiresAt: number;
}

/**
 * Counts a message's tokens for `read({ maxTokens })`. It runs once, at `append`, and the count
 * is stored with the message; use the same counter on every writer of a conversation.
 */
export type TokenCounter = (message: MessageInput) => number;

/**
 * Durable, shared conversation memory: append-only message lists per conversation with a sliding
 * TTL, trimming, windowed and token-budget reads, and a per-user conversation index.
 */
export interface ConversationMemory {
  /**
   * Appends messages atomically (all or none, one total order across writers), trims the
   * conversation to `maxMessages`, refreshes its TTL and updates the user's index.
   * @returns the stored messages, with their ids.
   * @throws InvalidInputError on a bad address or message; nothing is written.
   */
  append(address: ConversationAddress, messages: readonly MessageInput[]): Promise<StoredMessage[]>;
  /** Reads messages, oldest first; see `ReadMessagesOptions`. An unknown conversation reads as `[]`. */
  read(address: ConversationAddress, options?: ReadMessagesOptions): Promise<StoredMessage[]>;
  /** The user's live conversations, most recently active first. */
  listConversations(
    user: UserAddress | string,
    options?: ListConversationsOptions,
  ): Promise<ConversationSummary[]>;
  /** Deletes one conversation. @returns whether it existed. */
  clear(address: ConversationAddress): Promise<boolean>;
  /**
   * Deletes every conversation of the user and the user's index ("forget me").
   * @returns how many conversations were deleted.
   */
  deleteUser(user: UserAddress | string): Promise<number>;
  /** Restarts the conversation's TTL without appending. @returns whether it existed. */
  touch(address: ConversationAddress): Promise<boolean>;
}

/** Options shared by every `ConversationMemory` driver. */
export interface ConversationMemoryOptions {
  /**
   * A conversation expires this long after its last append or touch (sliding).
   * @default 604800000 (7 days)
   */
  ttlMs?: number;
  /**
   * Older messages are trimmed so a conversation keeps at most this many.
   * @default 1000
   */
  maxMessages?: number;
  /**
   * Largest message accepted, as UTF-8 JSON bytes.
   * @default 262144 (256 KiB)
   */
  maxMessageBytes?: number;
  /**
   * Counts tokens for `read({ maxTokens })`.
   * @default `estimateMessageTokens`: about 4 characters per token plus 4 per message
   */
  tokenCounter?: TokenCounter;
}

// ---- zod schemas (the boundary of every driver) -------------------------------------------

export const conversationAddressSchema = z.strictObject({
  tenantId: idSchema.optional(),
  userId: idSchema,
  conversationId: idSchema,
});

export const userAddressSchema = z.union([
  idSchema.transform((userId) => ({ userId }) as { tenantId?: string; userId: string }),
  z.strictObject({ tenantId: idSchema.optional(), userId: idSchema }),
]);

/** Highest `maxMessageBytes` a memory accepts: 64 MiB. */
export const MAX_MESSAGE_BYTES_LIMIT = 64 * 1024 * 1024;

/**
 * Metadata, tool-call arguments and content blocks: JSON nested at most `MAX_METADATA_DEPTH`
 * levels, checked without recursion (`z.json()` overflows the stack on deep input). Their size is
 * bounded by `maxMessageBytes`, checked on the whole message.
 */
const metadataLimits = { maxDepth: MAX_METADATA_DEPTH, maxBytes: MAX_MESSAGE_BYTES_LIMIT };
const jsonObjectSchema = jsonObjectSchemaOf(metadataLimits) as z.ZodType<{ [key: string]: MessageJsonValue }>;

export const contentBlockSchema = z
  .object({ type: z.string().min(1).max(128) })
  .catchall(z.unknown())
  .superRefine(jsonRefinement(metadataLimits)) as unknown as z.ZodType<ContentBlock>;

export const toolCallSchema = z.strictObject({
  id: idSchema,
  name: z.string().min(1).max(256),
  args: jsonObjectSchema,
});

export const messageInputSchema = z
  .strictObject({
    role: z.enum(MESSAGE_ROLES),
    content: z.union([z.string(), z.array(contentBlockSchema)]),
    name: z.string().min(1).max(256).optional(),
    toolCalls: z.array(toolCallSchema).max(128).optional(),
    toolCallId: idSchema.optional(),
    metadata: jsonObjectSchema.optional(),
  })
  .superRefine((message, context) => {
    if (message.toolCalls !== undefined && message.role !== 'assistant')
      context.addIssue({
        code: 'custom',
        path: ['toolCalls'],
        message: 'only assistant messages carry tool calls',
      });
    if (message.role === 'tool' && message.toolCallId === undefined)
      context.addIssue({ code: 'custom', path: ['toolCallId'], message: 'a tool message needs toolCallId' });
    if (message.role !== 'tool' && message.toolCallId !== undefined)
      context.addIssue({
        code: 'custom',
        path: ['toolCallId'],
        message: 'only tool messages carry toolCallId',
      });
  });

/** Longest batch one `append` takes. */
export const MAX_MESSAGES_PER_APPEND = 1000;

export const appendMessagesSchema = z.array(messageInputSchema).min(1).max(MAX_MESSAGES_PER_APPEND);

/** A message id as the stores assign them: `<ms>-<sequence>`. */
export const messageIdSchema = z
  .string()
  .regex(/^\d{1,16}-\d{1,16}$/, 'must be a message id (`<ms>-<sequence>`)');

export const readMessagesOptionsSchema = z.strictObject({
  last: z.number().int().min(1).max(100_000).optional(),
  before: messageIdSchema.optional(),
  maxTokens: z.number().int().min(0).max(1e9).optional(),
});

export const listConversationsOptionsSchema = z.strictObject({
  limit: z.number().int().min(1).max(10_000).optional(),
});

export const conversationMemoryOptionsSchema = z.object({
  ttlMs: z
    .number()
    .int()
    .min(10)
    .max(10 * 365 * 24 * 60 * 60 * 1000)
    .default(7 * 24 * 60 * 60 * 1000),
  maxMessages: z.number().int().min(1).max(100_000).default(1000),
  maxMessageBytes: z
    .number()
    .int()
    .min(64)
    .max(MAX_MESSAGE_BYTES_LIMIT)
    .default(256 * 1024),
  tokenCounter: z.custom<TokenCounter>((value) => typeof value === 'function').optional(),
});
