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
  /** node-redis 4 names `destroy` this way. */
  disconnect?(): Promise<unknown>;
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
  /** Settles when the background connect() does, either way. */
  private readonly connecting: Promise<unknown>;
  private connected = false;
  private closed = false;

  constructor(source: SubscribableClientLike, channel: string, onMessage: (message: string) => void) {
    const connection = source.duplicate();
    this.connection = connection;
    // Connection errors surface through the breaker's own calls; an unhandled 'error' would crash.
    connection.on?.('error', () => {});
    const connect = connection.connect().then(() => {
      this.connected = true;
    });
    this.connecting = connect.catch(() => {});
    this.ready = (async () => {
      await connect;
      if (this.closed) throw new Error('closed before the subscription was live');
      await connection.subscribe(channel, onMessage);
    })();
    this.ready.catch(() => {});
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.connected) {
      try {
        if (this.connection.isOpen !== false && this.connection.close)
          return void (await this.connection.close());
      } catch {
        // Fall through to destroy.
      }
      return this.destroy();
    }
    // A connect() still in flight: node-redis opens its socket even after close() or destroy(), and that
    // socket would keep the process alive. Stop the retries now, then drop whatever the attempt opened.
    this.destroy();
    await this.connecting;
    this.destroy();
  }

  private destroy(): void {
    try {
      if (this.connection.destroy) this.connection.destroy();
      else void this.connection.disconnect?.().catch(() => {});
    } catch {
      // Nothing left to tear down.
    }
  }
}
