/**
 * Fire-and-forget fan-out: every current subscriber of a channel (in any process) receives each
 * message published to it. Nothing is stored: a subscriber that is disconnected when a message is
 * published misses it. Use a `TokenStream` (or a queue) when a message must not be lost.
 */
export interface Broadcast {
  /** Sends `message` to every subscriber of `channel` and of any pattern matching it. */
  publish(channel: string, message: string): Promise<void>;

  /**
   * Calls `handler` for each message on `target`: a channel name, or `{ pattern }`, a glob over
   * channel names (`*`, `?`, `[abc]`, `\` escapes) as in Redis PSUBSCRIBE. Resolves once the
   * subscription is active, so a message published after it resolves is delivered.
   */
  subscribe(target: BroadcastTarget, handler: BroadcastHandler): Promise<BroadcastSubscription>;

  /** Drops every subscription and releases the subscriber connection. Publishing still works. */
  close(): Promise<void>;
}

export type BroadcastTarget = string | { pattern: string };

export interface BroadcastMessage {
  /** The channel the message was published to. */
  channel: string;
  message: string;
  /** The pattern that matched, for a pattern subscription. */
  pattern?: string;
}

/** A handler that throws (or rejects) does not stop delivery; the driver's `onHandlerError` receives the error. */
export type BroadcastHandler = (message: BroadcastMessage) => void | Promise<void>;

export interface BroadcastSubscription {
  readonly target: BroadcastTarget;
  /** Stops delivery to this handler; idempotent. */
  unsubscribe(): Promise<void>;
}
