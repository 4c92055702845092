import { z } from 'zod';
import { parseInput, parseOptions } from '../validation.js';
import type {
  Broadcast,
  BroadcastHandler,
  BroadcastMessage,
  BroadcastSubscription,
  BroadcastTarget,
} from './broadcast.js';
import {
  broadcastChannelSchema,
  broadcastMessageSchema,
  broadcastOptionsSchema,
  broadcastTargetSchema,
  defaultBroadcastErrorHandler,
  type BroadcastErrorHandler,
} from './broadcast-options.js';
import { globToRegExp } from './glob-pattern.js';

const DRIVER = 'memory';

interface Listener {
  target: BroadcastTarget;
  matches(channel: string): boolean;
  deliver(message: BroadcastMessage): void;
}

/** The process-wide "server" of in-memory broadcasts: instances sharing a hub see each other's messages. */
export class InMemoryBroadcastHub {
  readonly listeners = new Set<Listener>();
}

export const inMemoryBroadcastOptionsSchema = broadcastOptionsSchema.extend({
  /**
   * Subscribers shared with other instances (one per simulated process in tests).
   * @default a private hub
   */
  hub: z
    .custom<InMemoryBroadcastHub>(
      (value) => value instanceof InMemoryBroadcastHub,
      'must be an InMemoryBroadcastHub',
    )
    .optional(),
});

export type InMemoryBroadcastOptions = z.input<typeof inMemoryBroadcastOptionsSchema>;

/**
 * Broadcast inside one process: the reference semantics every driver must match. Delivery is
 * asynchronous (after `publish` resolves) and in publish order per subscriber.
 */
export class InMemoryBroadcast implements Broadcast {
  private readonly hub: InMemoryBroadcastHub;
  private readonly onHandlerError: BroadcastErrorHandler;
  private readonly own = new Set<Listener>();

  constructor(options: InMemoryBroadcastOptions = {}) {
    const parsed = parseOptions(inMemoryBroadcastOptionsSchema, options, {
      what: 'InMemoryBroadcast',
      driver: DRIVER,
    });
    this.hub = parsed.hub ?? new InMemoryBroadcastHub();
    this.onHandlerError = parsed.onHandlerError ?? defaultBroadcastErrorHandler;
  }

  async publish(channel: string, message: string): Promise<void> {
    parseInput(broadcastChannelSchema, channel, { what: 'channel', driver: DRIVER });
    parseInput(broadcastMessageSchema, message, { what: 'message', driver: DRIVER });
    for (const listener of this.hub.listeners) {
      if (listener.matches(channel)) listener.deliver({ channel, message });
    }
  }

  async subscribe(target: BroadcastTarget, handler: BroadcastHandler): Promise<BroadcastSubscription> {
    parseInput(broadcastTargetSchema, target, { what: 'subscription target', driver: DRIVER });
    const pattern = typeof target === 'string' ? undefined : target.pattern;
    const regExp = pattern === undefined ? undefined : globToRegExp(pattern);
    // One queue per subscription keeps publish order even when a handler is async.
    let tail = Promise.resolve();
    const listener: Listener = {
      target,
      matches: (channel) => (regExp ? regExp.test(channel) : channel === target),
      deliver: (message) => {
        const delivered = pattern === undefined ? message : { ...message, pattern };
        tail = tail.then(async () => {
          if (!this.hub.listeners.has(listener)) return;
          try {
            await handler(delivered);
          } catch (error) {
            this.onHandlerError(error, delivered);
          }
        });
      },
    };
    this.hub.listeners.add(listener);
    this.own.add(listener);
    return {
      target,
      unsubscribe: async () => {
        this.hub.listeners.delete(listener);
        this.own.delete(listener);
      },
    };
  }

  async close(): Promise<void> {
    for (const listener of this.own) this.hub.listeners.delete(listener);
    this.own.clear();
  }
}
