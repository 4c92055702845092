/** The node-redis surface a pub/sub subscription needs (a client or a cluster). */
export interface SubscribableClientLike {
  duplicate(): SubscriberConnectionLike;
}

interface SubscriberConnectionLike {
  connect(): Promise<unknown>;
  subscribe(channel: string, listener: (message: string) => void): Promise<unknown>;
  on?(event: 'error', listener: (error: unknown) => void): unknown;
  close?(): Promise<unknown>;
  destroy?(): unknown;
  readonly isOpen?: boolean;
}

export function isSubscribable(value: unknown): value is SubscribableClientLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as SubscribableClientLike).duplicate === 'function' &&
    ('isOpen' in value || typeof (value as { getSlotRandomNode?: unknown }).getSlotRandomNode === 'function')
  );
}

/**
 * Listens to one channel on a dedicated duplicate of `source` (a subscribed connection can do
 * nothing else). Connects in the background: node-redis keeps retrying and re-subscribes after a
 * reconnect, so the caller never waits on it; `ready` settles once the subscription is live.
 */
export class CircuitEventSubscription {
  readonly ready: Promise<void>;
  private readonly connection: SubscriberConnectionLike;
  private closed = false;

  constructor(source: SubscribableClientLike, channel: string, onMessage: (message: string) => void) {
    const connection = source.duplicate();
    this.connection = connection;
    // Connection errors surface through the breaker's own calls; an unhandled 'error' would crash.
    connection.on?.('error', () => {});
    this.ready = (async () => {
      await connection.connect();
      await connection.subscribe(channel, onMessage);
    })();
    this.ready.catch(() => {});
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      if (this.connection.isOpen !== false && this.connection.close) await this.connection.close();
      else this.connection.destroy?.();
    } catch {
      this.connection.destroy?.();
    }
  }
}
