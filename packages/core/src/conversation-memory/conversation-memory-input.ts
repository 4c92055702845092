import { InvalidInputError } from '../errors.js';
import { inspectJsonValue, jsonProblemError, MAX_METADATA_DEPTH } from '../json-boundary.js';
import { parseInput, unreadableInputError } from '../validation.js';
import {
  MAX_MESSAGES_PER_APPEND,
  appendMessagesSchema,
  conversationAddressSchema,
  readMessagesOptionsSchema,
  userAddressSchema,
  type ConversationAddress,
  type MessageInput,
  type ReadMessagesOptions,
  type TokenCounter,
  type UserAddress,
} from './conversation-memory.js';

/** A validated message, serialized once, with its token count: what a driver stores. */
export interface PreparedMessage {
  message: MessageInput;
  /** The message as JSON (without id, createdAt and tokenCount). */
  json: string;
  tokenCount: number;
}

const encoder = new TextEncoder();

/**
 * The default token counter: about 4 characters per token (a cheap, provider-neutral estimate)
 * plus 4 tokens of per-message framing. Plug a real tokenizer in through `tokenCounter`.
 */
export function estimateMessageTokens(message: MessageInput): number {
  let characters = message.name?.length ?? 0;
  if (typeof message.content === 'string') characters += message.content.length;
  else
    for (const block of message.content)
      characters += typeof block.text === 'string' ? block.text.length : JSON.stringify(block).length;
  if (message.toolCalls) characters += JSON.stringify(message.toolCalls).length;
  return Math.ceil(characters / 4) + 4;
}

/** Validates an address; throws `InvalidInputError`. */
export function parseConversationAddress(address: unknown, driver: string): ConversationAddress {
  return parseInput(conversationAddressSchema, address, { what: 'conversation address', driver });
}

/** Validates a user address (or bare user id); throws `InvalidInputError`. */
export function parseUserAddress(user: unknown, driver: string): UserAddress {
  return parseInput(userAddressSchema, user, { what: 'user address', driver });
}

/** Validates read options; throws `InvalidInputError`. */
export function parseReadOptions(options: unknown, driver: string): ReadMessagesOptions {
  return parseInput(readMessagesOptionsSchema, options ?? {}, { what: 'read options', driver });
}

/**
 * Walks each message once, without recursion, before zod sees it: a cycle, a value JSON cannot
 * carry, nesting far beyond `MAX_METADATA_DEPTH` or more than `maxMessageBytes` fails here as
 * `InvalidInputError` with its path, instead of overflowing the stack in the schema or in
 * `JSON.stringify`. (The schema then checks each field's depth exactly.)
 */
function checkMessagesJson(messages: unknown, options: { driver: string; maxMessageBytes: number }): void {
  // Longer batches are refused by the schema without being walked.
  let isBatch: boolean;
  try {
    isBatch = Array.isArray(messages) && messages.length <= MAX_MESSAGES_PER_APPEND;
  } catch (error) {
    // A revoked Proxy, or one whose traps throw.
    throw unreadableInputError(error, messages, { what: 'messages', driver: options.driver });
  }
  if (!isBatch) return;
  (messages as unknown[]).forEach((message, index) => {
    const inspection = inspectJsonValue(message, {
      // message → toolCalls → call → args → … : the fields' own limit sits three levels down.
      maxDepth: MAX_METADATA_DEPTH + 3,
      maxBytes: options.maxMessageBytes,
    });
    if (inspection.ok) return;
    const problem =
      inspection.problem.kind === 'too-large'
        ? {
            ...inspection.problem,
            path: [],
            message: `message is more than maxMessageBytes (${options.maxMessageBytes})`,
          }
        : inspection.problem;
    throw jsonProblemError(problem, { what: 'messages', driver: options.driver, path: [index] });
  });
}

/**
 * Validates an append: the address, every message, each message's size, and the token counter's
 * answer. Throws `InvalidInputError` before anything is written.
 */
export function parseAppend(
  address: unknown,
  messages: unknown,
  options: { driver: string; maxMessageBytes: number; tokenCounter: TokenCounter },
): { address: ConversationAddress; messages: PreparedMessage[] } {
  const parsedAddress = parseConversationAddress(address, options.driver);
  checkMessagesJson(messages, options);
  const parsed = parseInput(appendMessagesSchema, messages, { what: 'messages', driver: options.driver });
  const prepared = parsed.map((message, index): PreparedMessage => {
    const json = JSON.stringify(message);
    // A UTF-16 code unit is at most 3 UTF-8 bytes: only encode when the message may be too large.
    const bytes = json.length * 3 <= options.maxMessageBytes ? 0 : encoder.encode(json).length;
    if (bytes > options.maxMessageBytes)
      throw new InvalidInputError(
        `invalid messages: ${index}: message is ${bytes} bytes, more than maxMessageBytes (${options.maxMessageBytes})`,
        { driver: options.driver, issues: [{ path: [index], message: 'message too large' }] },
      );
    const tokenCount = options.tokenCounter(message);
    if (!Number.isFinite(tokenCount) || tokenCount < 0)
      throw new InvalidInputError(
        `invalid messages: ${index}: the token counter returned ${tokenCount}, not a count`,
        { driver: options.driver, issues: [{ path: [index], message: 'bad token count' }] },
      );
    return { message, json, tokenCount: Math.ceil(tokenCount) };
  });
  return { address: parsedAddress, messages: prepared };
}

function stripZeros(digits: string): string {
  const stripped = digits.replace(/^0+/, '');
  return stripped === '' ? '0' : stripped;
}

function compareDigits(a: string, b: string): number {
  const left = stripZeros(a);
  const right = stripZeros(b);
  if (left.length !== right.length) return left.length < right.length ? -1 : 1;
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Orders two message ids (`<ms>-<sequence>`) as the stores do: negative when `a` is older. */
export function compareMessageIds(a: string, b: string): number {
  const [aTime = '0', aSequence = '0'] = a.split('-');
  const [bTime = '0', bSequence = '0'] = b.split('-');
  return compareDigits(aTime, bTime) || compareDigits(aSequence, bSequence);
}
