import { z } from 'zod';
import { parseOptions } from '../validation.js';
import { BaseBroadcast, type BroadcastListenTarget } from './base-broadcast.js';
import type { BroadcastMessage } from './broadcast.js';
import { broadcastOptionsSchema } from './broadcast-options.js';
import { globToRegExp } from './glob-pattern.js';

const DRIVER = 'memory';

interface Listener {
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
export class InMemoryBroadcast extends BaseBroadcast {
  private readonly hub: InMemoryBroadcastHub;
  private readonly own = new Set<Listener>();

  constructor(options: InMemoryBroadcastOptions = {}) {
    const parsed = parseOptions(inMemoryBroadcastOptionsSchema, options, {
      what: 'InMemoryBroadcast',
      driver: DRIVER,
    });
    super(parsed, DRIVER);
    this.hub = parsed.hub ?? new InMemoryBroadcastHub();
  }

  protected async send(channel: string, message: string): Promise<void> {
    for (const listener of this.hub.listeners) {
      if (listener.matches(channel)) listener.deliver({ channel, message });
    }
  }

  protected async listen(
    target: BroadcastListenTarget,
    deliver: (message: BroadcastMessage) => void,
  ): Promise<() => Promise<void>> {
    const regExp = 'pattern' in target ? globToRegExp(target.pattern) : undefined;
    const listener: Listener = {
      matches: (channel) =>
        regExp ? regExp.test(channel) : channel === (target as { channel: string }).channel,
      deliver,
    };
    this.hub.listeners.add(listener);
    this.own.add(listener);
    return async () => {
      this.hub.listeners.delete(listener);
      this.own.delete(listener);
    };
  }

  protected async stopListening(): Promise<void> {
    for (const listener of this.own) this.hub.listeners.delete(listener);
    this.own.clear();
  }
}
