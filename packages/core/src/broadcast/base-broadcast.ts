import { parseInput } from '../validation.js';
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
  broadcastTargetSchema,
  defaultBroadcastErrorHandler,
  type BroadcastErrorHandler,
} from './broadcast-options.js';

/** What `listen` subscribes to: one channel, or a glob over channel names. */
export type BroadcastListenTarget = { channel: string } | { pattern: string };

/**
 * What every `Broadcast` driver shares: input validation, one ordered delivery queue per
 * subscription, the `pattern` field on pattern deliveries, handler errors routed to
 * `onHandlerError`, and ignoring deliveries after `unsubscribe`/`close`. A driver supplies three
 * store operations. For driver authors.
 *
 * The contract does not include: message storage or replay (pub/sub stores nothing), delivery
 * order across channels, channel naming or prefixes (the driver's layout), glob matching (a
 * driver either has the server match, as Redis PSUBSCRIBE does, or uses `globToRegExp`), and
 * connection handling (a driver owns its subscriber connection).
 */
export abstract class BaseBroadcast implements Broadcast {
  protected readonly onHandlerError: BroadcastErrorHandler;
  private readonly active = new Set<{ active: boolean }>();

  protected constructor(
    options: { onHandlerError?: BroadcastErrorHandler | undefined },
    protected readonly driver: string,
  ) {
    this.onHandlerError = options.onHandlerError ?? defaultBroadcastErrorHandler;
  }

  /** Sends `message` to every subscriber of `channel`, in any process; one round trip. */
  protected abstract send(channel: string, message: string): Promise<void>;
  /**
   * Starts calling `deliver` with each message on `target` (in arrival order) and resolves once
   * the subscription is active; the returned function stops it.
   */
  protected abstract listen(
    target: BroadcastListenTarget,
    deliver: (message: BroadcastMessage) => void,
  ): Promise<() => Promise<void>>;
  /** Stops every `listen` of this instance and releases its subscriber connection. */
  protected abstract stopListening(): Promise<void>;

  async publish(channel: string, message: string): Promise<void> {
    parseInput(broadcastChannelSchema, channel, { what: 'channel', driver: this.driver });
    parseInput(broadcastMessageSchema, message, { what: 'message', driver: this.driver });
    await this.send(channel, message);
  }

  async subscribe(target: BroadcastTarget, handler: BroadcastHandler): Promise<BroadcastSubscription> {
    parseInput(broadcastTargetSchema, target, { what: 'subscription target', driver: this.driver });
    const pattern = typeof target === 'string' ? undefined : target.pattern;
    const subscription = { active: true };
    // One queue per subscription keeps publish order even when a handler is async.
    let tail = Promise.resolve();
    const deliver = (message: BroadcastMessage) => {
      const delivered = pattern === undefined ? message : { ...message, pattern };
      tail = tail.then(async () => {
        if (!subscription.active) return;
        try {
          await handler(delivered);
        } catch (error) {
          this.onHandlerError(error, delivered);
        }
      });
    };
    const stop = await this.listen(
      pattern === undefined ? { channel: target as string } : { pattern },
      deliver,
    );
    this.active.add(subscription);
    return {
      target,
      unsubscribe: async () => {
        if (!subscription.active) return;
        subscription.active = false;
        this.active.delete(subscription);
        await stop();
      },
    };
  }

  async close(): Promise<void> {
    for (const subscription of this.active) subscription.active = false;
    this.active.clear();
    await this.stopListening();
  }
}
