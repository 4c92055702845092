import { setTimeout as sleep } from 'node:timers/promises';
import { TristackError } from '@tristack/core';
import type { RedisArgument, RedisConnection } from '@tristack/core/driver-kit';

type Duplicate = RedisConnection & { close(): Promise<void>; destroy?(): void };

/**
 * A duplicated connection for blocking reads (XREAD BLOCK), so they never stall the shared
 * client. `close()` drops the connection when it can (node-redis clients and clusters), which
 * ends a read in flight at once; other connections finish their block timeout first.
 */
export class BlockingReader {
  private pending: Promise<unknown> | undefined;
  private closed = false;

  private constructor(
    private readonly duplicate: Duplicate,
    /** A key of the slot this reader reads, so a cluster sends the reads to the right node. */
    private readonly routeKey: string,
  ) {}

  static async open(shared: RedisConnection, routeKey: string, driver: string): Promise<BlockingReader> {
    if (!shared.duplicate) {
      throw new TristackError(
        'UNSUPPORTED',
        'the Redis connection cannot duplicate itself; blocking reads need their own connection',
        { driver },
      );
    }
    return new BlockingReader(await shared.duplicate(), routeKey);
  }

  /** Sends a blocking command; resolves with its reply (nil on timeout, or once closed). */
  async block(args: readonly RedisArgument[]): Promise<unknown> {
    if (this.closed) return null;
    const pending = this.duplicate.sendCommand(args, { key: this.routeKey });
    this.pending = pending;
    try {
      return await pending;
    } catch (error) {
      if (this.closed) return null;
      throw error;
    } finally {
      this.pending = undefined;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.duplicate.destroy) {
      this.duplicate.destroy();
      await this.pending?.catch(() => undefined);
      return;
    }
    // A connection that lost its server may never drain: do not let shutdown hang on it.
    await Promise.race([this.duplicate.close(), sleep(2000)]);
  }
}
