import type { BaseMessage } from '@langchain/core/messages';
import { createMiddleware } from 'langchain';
import { z } from 'zod';
import type { ConversationAddress, ConversationMemory, StoredMessage } from '@tristack/core';
import {
  TelemetryAttribute as A,
  TelemetrySpanKind,
  TelemetrySpanName,
  conversationAddressOf,
} from '@tristack/core/driver-kit';
import { fromMemoryMessage, toMemoryMessage } from '../message-conversion.js';
import { langchainTelemetry } from '../telemetry.js';
import { runIdentityContextSchema, type RunIdentity } from '../run-context.js';
import {
  countOption,
  functionOption,
  identityOption,
  instanceOption,
  parseMiddlewareOptions,
} from './middleware-option-schemas.js';
import { currentRun, PerRun, type RunWrites } from './run-writes.js';

export const memoryMiddlewareOptionsSchema = z.strictObject({
  memory: instanceOption<ConversationMemory>('memory', ['read', 'append']),
  /** @default defaultRunIdentity */
  identity: identityOption,
  /**
   * The conversation of a run, or `undefined` to run without memory.
   * @default `{ tenantId, userId, conversationId }` of the run; `undefined` when user or conversation is missing
   */
  address: functionOption<(identity: RunIdentity) => ConversationAddress | undefined>('address').default(
    () => conversationAddressOf,
  ),
  /** Token budget of the history loaded before each model call. @default 4000 */
  maxTokens: countOption(1).default(4000),
  /** At most this many history messages. @default 100 */
  maxMessages: countOption(1).default(100),
});
export type MemoryMiddlewareOptions = z.input<typeof memoryMiddlewareOptionsSchema>;

/** History from memory that the state does not hold yet, starting at a turn boundary. */
function missingHistory(history: BaseMessage[], present: ReadonlySet<string>): BaseMessage[] {
  const missing = history.filter((message) => !message.id || !present.has(message.id));
  // A budget cut can leave tool results whose request was trimmed: providers reject those.
  let start = 0;
  while (start < missing.length && missing[start]!.getType() === 'tool') start++;
  return missing.slice(start);
}

/** The message ids of messages read from memory. */
const messageIds = (messages: readonly StoredMessage[]): ReadonlySet<unknown> =>
  new Set(messages.map((message) => message.metadata?.messageId));

/** A memory read or append as its span, with the message count (never the messages). */
function traced<Result extends readonly unknown[]>(
  name: string,
  run: () => Promise<Result>,
): Promise<Result> {
  return langchainTelemetry.inSpan(name, TelemetrySpanKind.CLIENT, async (span) => {
    const messages = await run();
    if (span.isRecording()) span.setAttribute(A.memoryMessageCount, messages.length);
    return messages;
  });
}

/**
 * Conversation memory for agents, even without a checkpointer: before each model call the
 * conversation's recent messages (token-budgeted) are put in front of the request; after the turn
 * the turn's new messages are appended, so another worker or a restarted one continues it.
 */
export function memoryMiddleware(input: MemoryMiddlewareOptions) {
  return createMemoryMiddleware(input);
}

/**
 * `memoryMiddleware`; with `writes`, its `afterAgent` awaits the run's deferred writes together
 * with its append (one round trip), even when it has nothing to append.
 * @internal
 */
export function createMemoryMiddleware(input: MemoryMiddlewareOptions, writes?: RunWrites) {
  const options = parseMiddlewareOptions(memoryMiddlewareOptionsSchema, input, 'memoryMiddleware');
  const identityOf = options.identity;
  const addressOf = options.address;
  // Per run (its LangGraph `control` and conversation, see `currentRun`): the ids of messages
  // memory held when the run's first model call read it, so the append after the turn needs no
  // read of its own.
  const storedAtStart = new PerRun<Promise<ReadonlySet<unknown>>>();
  const settle = async (append?: Promise<unknown>): Promise<void> => {
    if (writes) await writes.settle(...(append ? [append] : []));
    else await append;
  };
  return createMiddleware({
    name: 'TristackMemory',
    contextSchema: runIdentityContextSchema,
    beforeAgent: () => {
      // A run that reuses the `control` of one that ended early starts afresh.
      const run = currentRun();
      if (run) storedAtStart.delete(run);
      writes?.forget();
      return undefined;
    },
    wrapModelCall: async (request, handler) => {
      const address = addressOf(identityOf(request.runtime));
      if (!address) return handler(request);
      const run = currentRun();
      // The turn's append must skip what memory already holds (with a checkpointer the state
      // holds earlier turns): read that now, in the round trip of the history read. Messages
      // the turn adds later are new, unless they repeat an id memory holds (a replayed cached
      // answer): the history read covers those it would matter for.
      const reading = traced(TelemetrySpanName.memoryRead, () =>
        options.memory.read(address, { maxTokens: options.maxTokens, last: options.maxMessages }),
      );
      if (run && !storedAtStart.has(run)) {
        const count = request.messages.filter((message) => message.getType() !== 'system').length;
        const known = Promise.all([
          count > 0 ? options.memory.read(address, { last: count }) : [],
          reading,
        ]).then(([last, read]) => new Set([...messageIds(last), ...messageIds(read)]));
        // Awaited by afterAgent; a run that ends before it must not leave an unhandled rejection.
        known.catch(() => {});
        storedAtStart.set(run, known);
      }
      const stored = await reading;
      if (stored.length === 0) return handler(request);
      const present = new Set(request.messages.flatMap((message) => (message.id ? [message.id] : [])));
      const history = missingHistory(stored.map(fromMemoryMessage), present);
      return handler({ ...request, messages: [...history, ...request.messages] });
    },
    afterAgent: async (state, runtime) => {
      const address = addressOf(identityOf(runtime));
      if (!address) return settle();
      const messages = state.messages.filter((message) => message.getType() !== 'system');
      if (messages.length === 0) return settle();
      // With a checkpointer the state also holds earlier turns: append only what memory lacks.
      const run = currentRun();
      const known = run ? storedAtStart.get(run) : undefined;
      if (run) storedAtStart.delete(run);
      const storedIds = known
        ? await known
        : messageIds(await options.memory.read(address, { last: messages.length }));
      const fresh = messages.filter((message) => !message.id || !storedIds.has(message.id));
      // Awaited: the next turn (on any worker) reads what this one appended.
      return settle(
        fresh.length > 0
          ? traced(TelemetrySpanName.memoryAppend, () =>
              options.memory.append(address, fresh.map(toMemoryMessage)).then(() => fresh),
            )
          : undefined,
      );
    },
  });
}
