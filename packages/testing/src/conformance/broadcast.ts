import { eventually } from '../fleet/eventually.js';
import {
  InvalidInputError,
  InvalidOptionsError,
  type Broadcast,
  type BroadcastErrorHandler,
  type BroadcastMessage,
} from '@tristack/core';
import { afterEach, describe, expect, it } from 'vitest';

export interface BroadcastConformanceContext {
  /**
   * Creates a driver instance (one per simulated process). Every instance created from one context
   * reaches the same subscribers, like processes sharing one Redis. May throw `InvalidOptionsError`.
   */
  create(options?: { onHandlerError?: BroadcastErrorHandler }): Broadcast | Promise<Broadcast>;
  /** Called after each test, after every created instance was closed. */
  cleanup?(): Promise<void>;
}

/** Resolves once `check` passes (pub/sub delivers asynchronously), or rethrows its last failure. */
export async function untilPasses(check: () => void | Promise<void>, timeoutMs = 3_000): Promise<void> {
  await eventually(check, { timeoutMs, intervalMs: 5 });
}

/**
 * The behaviour every `Broadcast` driver must have: fan-out to every subscriber of every
 * instance, publish order per subscriber, glob patterns, unsubscribe and close, handler errors
 * that do not stop delivery, and validation.
 */
export function describeBroadcast(
  name: string,
  setup: () => BroadcastConformanceContext | Promise<BroadcastConformanceContext>,
): void {
  describe(`Broadcast conformance: ${name}`, () => {
    let context: BroadcastConformanceContext | undefined;
    const created: Broadcast[] = [];
    const fresh = async (options?: { onHandlerError?: BroadcastErrorHandler }) => {
      context ??= await setup();
      const broadcast = await context.create(options);
      created.push(broadcast);
      return broadcast;
    };
    afterEach(async () => {
      await Promise.all(created.splice(0).map((broadcast) => broadcast.close()));
      await context?.cleanup?.();
      context = undefined;
    });

    it('delivers each message to every subscriber of the channel, on every instance, in publish order', async () => {
      const publisher = await fresh();
      const inboxes: BroadcastMessage[][] = [];
      for (let instance = 0; instance < 3; instance++) {
        const broadcast = await fresh();
        for (let subscriber = 0; subscriber < 2; subscriber++) {
          const inbox: BroadcastMessage[] = [];
          inboxes.push(inbox);
          await broadcast.subscribe('session:1', (message) => {
            inbox.push(message);
          });
        }
      }
      const other: BroadcastMessage[] = [];
      await publisher.subscribe('session:2', (message) => {
        other.push(message);
      });
      const sent = Array.from({ length: 100 }, (_, index) => `note ${index}`);
      for (const message of sent) await publisher.publish('session:1', message);
      await publisher.publish('session:2', 'elsewhere');
      await untilPasses(() => {
        for (const inbox of inboxes) expect(inbox).toHaveLength(100);
        expect(other).toHaveLength(1);
      });
      for (const inbox of inboxes)
        expect(inbox).toEqual(sent.map((message) => ({ channel: 'session:1', message })));
      expect(other).toEqual([{ channel: 'session:2', message: 'elsewhere' }]);
    });

    it('matches glob patterns and reports the pattern with each message', async () => {
      const broadcast = await fresh();
      const matched: BroadcastMessage[] = [];
      const classes: string[] = [];
      await broadcast.subscribe({ pattern: 'user:*:events' }, (message) => {
        matched.push(message);
      });
      await broadcast.subscribe({ pattern: 'h[ae]llo?' }, (message) => {
        classes.push(message.channel);
      });
      for (const channel of [
        'user:1:events',
        'user:alice:events',
        'user:1:other',
        'users',
        'hallo!',
        'hello1',
        'hillo1',
        'hello',
      ])
        await broadcast.publish(channel, channel);
      await broadcast.publish('user:2:events', 'last');
      // Order is promised per channel only (on a cluster, channels live on different nodes).
      const byChannel = (a: BroadcastMessage, b: BroadcastMessage) => a.channel.localeCompare(b.channel);
      await untilPasses(() => {
        expect([...matched].sort(byChannel)).toEqual([
          { channel: 'user:1:events', message: 'user:1:events', pattern: 'user:*:events' },
          { channel: 'user:2:events', message: 'last', pattern: 'user:*:events' },
          { channel: 'user:alice:events', message: 'user:alice:events', pattern: 'user:*:events' },
        ]);
        expect([...classes].sort()).toEqual(['hallo!', 'hello1']);
      });
      // Nothing else trickles in late.
      await broadcast.publish('hello2', 'sentinel');
      await untilPasses(() => expect(classes).toContain('hello2'));
      expect(classes).toHaveLength(3);
      expect(matched).toHaveLength(3);
    });

    it('stops delivering after unsubscribe and close, and keeps the other subscriptions', async () => {
      const broadcast = await fresh();
      const kept: string[] = [];
      const dropped: string[] = [];
      await broadcast.subscribe('room', (message) => {
        kept.push(message.message);
      });
      const subscription = await broadcast.subscribe('room', (message) => {
        dropped.push(message.message);
      });
      expect(subscription.target).toBe('room');
      await broadcast.publish('room', 'one');
      await untilPasses(() => expect(dropped).toEqual(['one']));
      await subscription.unsubscribe();
      await subscription.unsubscribe();
      await broadcast.publish('room', 'two');
      await untilPasses(() => expect(kept).toEqual(['one', 'two']));
      expect(dropped).toEqual(['one']);

      const closing = await fresh();
      const afterClose: string[] = [];
      await closing.subscribe('room', (message) => {
        afterClose.push(message.message);
      });
      await closing.close();
      await broadcast.publish('room', 'three');
      await untilPasses(() => expect(kept).toEqual(['one', 'two', 'three']));
      expect(afterClose).toEqual([]);
      // A closed instance can still publish.
      await closing.publish('room', 'four');
      await untilPasses(() => expect(kept).toEqual(['one', 'two', 'three', 'four']));
    });

    it('keeps delivering when a handler throws, and hands the error to onHandlerError', async () => {
      const errors: [unknown, BroadcastMessage][] = [];
      const broadcast = await fresh({ onHandlerError: (error, message) => errors.push([error, message]) });
      const seen: string[] = [];
      await broadcast.subscribe('fragile', async (message) => {
        seen.push(message.message);
        if (message.message === 'bad') throw new Error('handler broke');
      });
      for (const message of ['ok', 'bad', 'still ok']) await broadcast.publish('fragile', message);
      await untilPasses(() => expect(seen).toEqual(['ok', 'bad', 'still ok']));
      expect(errors).toHaveLength(1);
      expect((errors[0]![0] as Error).message).toBe('handler broke');
      expect(errors[0]![1]).toEqual({ channel: 'fragile', message: 'bad' });
    });

    it('rejects bad input with InvalidInputError and bad options with InvalidOptionsError', async () => {
      const broadcast = await fresh();
      await expect(broadcast.publish('', 'x')).rejects.toBeInstanceOf(InvalidInputError);
      await expect(broadcast.publish('bad\nchannel', 'x')).rejects.toBeInstanceOf(InvalidInputError);
      await expect(broadcast.publish('c', 42 as unknown as string)).rejects.toBeInstanceOf(InvalidInputError);
      await expect(broadcast.publish('c', 'x'.repeat(1_048_577))).rejects.toBeInstanceOf(InvalidInputError);
      await expect(broadcast.subscribe('', () => {})).rejects.toBeInstanceOf(InvalidInputError);
      await expect(broadcast.subscribe({ pattern: '' }, () => {})).rejects.toBeInstanceOf(InvalidInputError);
      await expect(broadcast.subscribe({ channel: 'c' } as never, () => {})).rejects.toBeInstanceOf(
        InvalidInputError,
      );
      await expect(async () => fresh({ onHandlerError: 'nope' as never })).rejects.toBeInstanceOf(
        InvalidOptionsError,
      );
    });
  });
}
