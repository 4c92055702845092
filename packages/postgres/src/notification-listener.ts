import type { Notification, Pool, PoolClient } from 'pg';
import { quoteIdentifier } from './internal/sql.js';

/**
 * LISTENs on one channel with a client checked out of the pool for as long as it listens (a
 * listening connection must stay the same one). Connects in the background; after the connection
 * drops (server restart), checks out a new one and listens again, every `retryMs`. `ready` settles
 * once the first LISTEN is in place. Notifications sent while no connection listened are lost:
 * callers bound what that costs (the breaker's snapshots age out after `maxStalenessMs`).
 */
export class NotificationListener {
  readonly ready: Promise<void>;
  private client: PoolClient | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private settleReady!: (listening: boolean) => void;
  private detach: () => void = () => {};

  constructor(
    private readonly pool: Pool,
    private readonly channel: string,
    private readonly onMessage: (payload: string) => void,
    private readonly retryMs: number,
  ) {
    this.ready = new Promise<boolean>((resolve) => (this.settleReady = resolve)).then((listening) => {
      if (!listening) throw new Error('closed before the LISTEN was in place');
    });
    this.ready.catch(() => {});
    void this.connect();
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch {
      return this.retry();
    }
    if (this.closed) return client.release();
    const notified = (message: Notification) => {
      if (message.channel === this.channel && message.payload !== undefined) this.onMessage(message.payload);
    };
    const lost = () => {
      if (this.client !== client) return;
      this.client = undefined;
      this.detach();
      client.release(true); // a broken connection never goes back to the pool
      this.retry();
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', notified);
    // A pooled client is reused after release: its handlers must leave with this listener.
    this.detach = () => {
      client.off('error', lost);
      client.off('end', lost);
      client.off('notification', notified);
      this.detach = () => {};
    };
    this.client = client;
    try {
      await client.query(`LISTEN ${quoteIdentifier(this.channel)}`);
      this.settleReady(true);
    } catch {
      lost();
    }
  }

  private retry(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => void this.connect(), this.retryMs);
    this.timer.unref?.();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.settleReady(false);
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    try {
      await client.query(`UNLISTEN ${quoteIdentifier(this.channel)}`);
      this.detach();
      client.release();
    } catch {
      this.detach();
      client.release(true);
    }
  }
}
