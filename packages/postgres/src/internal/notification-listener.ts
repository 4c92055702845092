import type { Notification, Pool, PoolClient } from 'pg';
import { quoteIdentifier, toBackendError } from './sql.js';

/**
 * One `LISTEN` connection taken from the pool and held until `stop()`: NOTIFY payloads on
 * `channel` go to `onPayload`. When the connection breaks, the next `start()` opens a new one and
 * `onReconnect` runs (a listener may have missed notifications meanwhile: callers re-read state).
 */
export class NotificationListener {
  private client: PoolClient | undefined;
  private starting: Promise<void> | undefined;
  private stopped = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly channel: string,
    private readonly onPayload: (payload: string) => void,
    private readonly onReconnect: () => void = () => undefined,
  ) {}

  /** Resolves once `LISTEN` is active (at once when it already is). */
  start(): Promise<void> {
    if (this.client) return Promise.resolve();
    this.starting ??= this.connect().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async connect(): Promise<void> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw toBackendError(error, `LISTEN ${this.channel}`);
    }
    const onNotification = (message: Notification) => {
      if (message.channel === this.channel && message.payload !== undefined) this.onPayload(message.payload);
    };
    const onBroken = () => {
      if (this.client !== client) return;
      this.client = undefined;
      client.release(true);
      this.reconnect(50);
    };
    client.on('notification', onNotification);
    client.on('error', onBroken);
    client.on('end', onBroken);
    try {
      await client.query(`LISTEN ${quoteIdentifier(this.channel)}`);
    } catch (error) {
      client.release(true);
      throw toBackendError(error, `LISTEN ${this.channel}`);
    }
    if (this.stopped) {
      client.release(true);
      return;
    }
    this.client = client;
  }

  /** Listens again after a broken connection, backing off while the server is away. */
  private reconnect(delayMs: number): void {
    if (this.stopped || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.stopped) return;
      this.start().then(this.onReconnect, () => this.reconnect(Math.min(delayMs * 2, 2000)));
    }, delayMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    await this.starting?.catch(() => undefined);
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    client.removeAllListeners('notification');
    // Destroyed rather than returned: a pooled connection must not keep listening.
    client.release(true);
  }
}
