import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisConnection } from '@tristack/core/driver-kit';
import { BlockingReader } from './blocking-reader.js';
import { entriesOfRange, entriesOfXread, type StreamEntry } from './queue-replies.js';

export interface StreamTailOptions {
  blockMs: number;
  driver: string;
  onEntries(entries: StreamEntry[]): void;
  /** After a block timeout or a recovered error: a chance to re-check what entries may have missed. */
  onQuiet?(): void;
  onError(error: unknown): void;
}

/**
 * Follows one stream from "now" on a duplicated connection (XREAD BLOCK), in order. The stream
 * is durable, so a reader that reconnects continues where it stopped; entries trimmed away
 * meanwhile are what `onQuiet` re-checks cover.
 */
export class StreamTail {
  private reader: BlockingReader | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly connection: RedisConnection,
    private readonly key: string,
    private readonly options: StreamTailOptions,
  ) {}

  /** Resolves once the starting position is fixed: every entry added after that is delivered. */
  async start(): Promise<void> {
    const [last] = entriesOfRange(
      await this.connection.sendCommand(['XREVRANGE', this.key, '+', '-', 'COUNT', '1'], { key: this.key }),
    );
    this.reader = await BlockingReader.open(this.connection, this.key, this.options.driver);
    this.running = this.loop(last?.id ?? '0-0');
  }

  private async loop(from: string): Promise<void> {
    let lastId = from;
    let pause = 0;
    while (!this.stopped) {
      try {
        const entries = entriesOfXread(
          await this.reader!.block([
            'XREAD',
            'COUNT',
            '1000',
            'BLOCK',
            String(this.options.blockMs),
            'STREAMS',
            this.key,
            lastId,
          ]),
        );
        if (this.stopped) break;
        if (entries.length === 0) this.options.onQuiet?.();
        else {
          lastId = entries.at(-1)!.id;
          this.options.onEntries(entries);
        }
        if (pause) this.options.onQuiet?.();
        pause = 0;
      } catch (error) {
        if (this.stopped) break;
        this.options.onError(error);
        pause = Math.min(Math.max(pause * 2, 50), 2000);
        await sleep(pause);
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.reader?.close();
    await this.running;
  }
}
