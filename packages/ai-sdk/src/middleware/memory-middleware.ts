import type {
  LanguageModelV3CallOptions,
  LanguageModelV3Content,
  LanguageModelV3Message,
  LanguageModelV3Middleware,
} from '@ai-sdk/provider';
import { z } from 'zod';
import {
  InvalidInputError,
  type ConversationAddress,
  type ConversationMemory,
  type MessageInput,
  type StoredMessage,
} from '@tristack/core';
import { conversationAddressOf } from '@tristack/core/driver-kit';
import { tapStream, tristackMetadataOf } from '../model-call.js';
import { resolveIdentity, type RunIdentity } from '../run-identity.js';
import {
  countOption,
  functionOption,
  identitySourceOption,
  instanceOption,
  parseMiddlewareOptions,
} from './middleware-option-schemas.js';

export const memoryMiddlewareOptionsSchema = z.strictObject({
  memory: instanceOption<ConversationMemory>('memory', ['read', 'append']),
  /** @default the identity set by `withRunIdentity` */
  identity: identitySourceOption,
  /** The conversation of a call, or `undefined` for none. @default `{ tenantId, userId, conversationId }`; none without user or conversation */
  address: functionOption<(identity: RunIdentity) => ConversationAddress | undefined>('address').default(
    () => conversationAddressOf,
  ),
  /** Token budget of the history put before each call. @default 4000 */
  maxTokens: countOption(1).default(4000),
  /** At most this many history messages. @default 100 */
  maxMessages: countOption(1).default(100),
});
export type MemoryMiddlewareOptions = z.input<typeof memoryMiddlewareOptionsSchema>;

const text = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value ?? null));

/** A stored message as a prompt message (text, tool calls and tool results). */
function toPromptMessage(message: StoredMessage): LanguageModelV3Message | undefined {
  const content = text(message.content);
  switch (message.role) {
    case 'user':
      return { role: 'user', content: [{ type: 'text', text: content }] };
    case 'assistant':
      return {
        role: 'assistant',
        content: [
          ...(content ? [{ type: 'text' as const, text: content }] : []),
          ...(message.toolCalls ?? []).map((call) => ({
            type: 'tool-call' as const,
            toolCallId: call.id,
            toolName: call.name,
            input: call.args,
          })),
        ],
      };
    case 'tool':
      return {
        role: 'tool',
        content: [
          {
            type: 'tool-result',
            toolCallId: message.toolCallId ?? '',
            toolName: message.name ?? '',
            output: { type: 'text', value: content },
          },
        ],
      };
    default:
      return undefined;
  }
}

/**
 * A tool call's input as memory stores it: a JSON object. The prompt's messages may come from the
 * client, so anything else is refused before the provider is called, never after it answered.
 */
function toolCallArguments(input: unknown): Record<string, unknown> {
  let parsed = input;
  if (typeof input === 'string') {
    try {
      parsed = JSON.parse(input);
    } catch {
      parsed = undefined;
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new InvalidInputError('memoryMiddleware: a tool call input is not a JSON object', {
      driver: 'ai-sdk',
    });
  return parsed as Record<string, unknown>;
}

/** A prompt message (or an answer) as memory stores it. */
function toMemoryMessages(message: LanguageModelV3Message): MessageInput[] {
  if (message.role === 'system') return [];
  const parts = message.content as unknown as { type: string; [field: string]: unknown }[];
  const texts = parts.filter((part) => part.type === 'text').map((part) => String(part.text));
  if (message.role === 'tool')
    return parts
      .filter((part) => part.type === 'tool-result')
      .map((part) => ({
        role: 'tool',
        content: text((part.output as { value?: unknown } | undefined)?.value ?? part.output),
        toolCallId: String(part.toolCallId),
        name: String(part.toolName),
      }));
  const toolCalls = parts
    .filter((part) => part.type === 'tool-call')
    .map((part) => ({
      id: String(part.toolCallId),
      name: String(part.toolName),
      args: toolCallArguments(part.input) as Record<string, never>,
    }));
  return [{ role: message.role, content: texts.join(''), ...(toolCalls.length ? { toolCalls } : {}) }];
}

/** The answer of a call as an assistant prompt message. */
const answerMessage = (content: readonly LanguageModelV3Content[]): LanguageModelV3Message => ({
  role: 'assistant',
  content: content.flatMap((item) =>
    item.type === 'text' || item.type === 'tool-call' ? [item as never] : [],
  ),
});

/**
 * Conversation memory for apps that send only the new messages: before each call the
 * conversation's recent history (token-budgeted, starting at a user message) goes after the
 * system prompt; when a call ends the turn (no tool calls), the turn's messages and the answer are
 * appended — so another worker, or a restarted one, continues the conversation.
 */
export function memoryMiddleware(input: MemoryMiddlewareOptions): LanguageModelV3Middleware {
  const options = parseMiddlewareOptions(memoryMiddlewareOptionsSchema, input, 'memoryMiddleware');
  // The call's own messages (after the history put before them), by the params object the AI SDK passes on.
  const turns = new WeakMap<
    LanguageModelV3CallOptions,
    { address: ConversationAddress; own: LanguageModelV3Message[] }
  >();

  const remember = async (
    params: LanguageModelV3CallOptions,
    content: readonly LanguageModelV3Content[],
    finishReason: string,
  ) => {
    const turn = turns.get(params);
    if (!turn || content.some((item) => item.type === 'tool-call')) return;
    // A failed answer is partial: the turn is not remembered (the caller retries it).
    if (finishReason === 'error') return;
    const messages = [...turn.own.flatMap(toMemoryMessages), ...toMemoryMessages(answerMessage(content))];
    if (messages.length > 0) await options.memory.append(turn.address, messages);
  };

  return {
    specificationVersion: 'v3',
    transformParams: async ({ params }) => {
      const address = options.address(resolveIdentity(options.identity));
      if (!address) return params;
      const stored = await options.memory.read(address, {
        maxTokens: options.maxTokens,
        last: options.maxMessages,
      });
      let history = stored.flatMap((message) => toPromptMessage(message) ?? []);
      // A budget cut can leave tool results or answers whose question was trimmed.
      const firstUser = history.findIndex((message) => message.role === 'user');
      history = firstUser < 0 ? [] : history.slice(firstUser);
      const system = params.prompt.filter((message) => message.role === 'system');
      const own = params.prompt.filter((message) => message.role !== 'system');
      // Checked now: a message memory could not store fails the call before the provider runs.
      own.forEach(toMemoryMessages);
      const transformed = { ...params, prompt: [...system, ...history, ...own] };
      turns.set(transformed, { address, own });
      return transformed;
    },
    wrapGenerate: async ({ doGenerate, params }) => {
      const result = await doGenerate();
      if (!tristackMetadataOf(result.providerMetadata).rateLimited)
        await remember(params, result.content, result.finishReason.unified);
      return result;
    },
    wrapStream: async ({ doStream, params }) =>
      tapStream(await doStream(), {
        onFinish: async (outcome) => {
          if (!tristackMetadataOf(outcome.providerMetadata).rateLimited)
            await remember(params, outcome.content, outcome.finishReason.unified);
        },
      }),
  };
}
