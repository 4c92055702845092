import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from '../fleet/eventually.js';
import {
  InvalidInputError,
  InvalidOptionsError,
  LeaseBusyError,
  LeaseLostError,
  TristackError,
  type ConversationLease,
  type ConversationLeaseOptions,
  type Lease,
  type ConversationLeaseInspector,
} from '@tristack/core';
import { afterEach, describe, expect, it } from 'vitest';
import { inspectorOf } from './inspector-of.js';

export interface ConversationLeaseConformanceContext {
  /**
   * Creates a lease manager. Every instance created from one context shares the store, like
   * processes of a fleet sharing one Redis. May throw `InvalidOptionsError`.
   */
  create(options?: ConversationLeaseOptions): ConversationLease | Promise<ConversationLease>;
  /** Lets `ms` of the store's time pass: advance a ManualClock, or sleep when the store keeps real time. */
  wait(ms: number): Promise<void>;
  /**
   * Lets `ms` of the store's time pass while this process runs no timers (a stalled holder):
   * advance a ManualClock, or block the thread when the store keeps real time.
   */
  stall(ms: number): void;
  /**
   * TTL the timing tests use; raise it for a slow or remote store.
   * @default 500
   */
  ttlMs?: number;
  /** Called after each test. */
  cleanup?(): Promise<void>;
}

/** TTL of the timing tests: short, yet with margins a busy machine's timer delays fit in. */
const DEFAULT_TTL_MS = 500;

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

/**
 * The behaviour every `ConversationLease` driver must have: one holder at a time, typed busy and
 * lost errors, strictly increasing fencing tokens, expiry and takeover, holder-only renew and
 * release, waiting, the `run` helper's heartbeat, and validation.
 */
export function describeConversationLease(
  name: string,
  setup: () => ConversationLeaseConformanceContext | Promise<ConversationLeaseConformanceContext>,
): void {
  describe(`ConversationLease conformance: ${name}`, () => {
    let context: ConversationLeaseConformanceContext;
    const fresh = async (options?: ConversationLeaseOptions) => {
      context ??= await setup();
      return context.create(options);
    };
    afterEach(async () => {
      await context?.cleanup?.();
      context = undefined as unknown as ConversationLeaseConformanceContext;
    });
    const ttl = () => context.ttlMs ?? DEFAULT_TTL_MS;

    it('grants one holder at a time; others get LeaseBusyError or undefined', async () => {
      const first = await fresh();
      const second = await context.create();
      const lease = await first.acquire('conversation-1', { ttlMs: 10_000 });
      expect(lease).toMatchObject({ resource: 'conversation-1', ttlMs: 10_000 });
      expect(Number.isSafeInteger(lease.fencingToken) && lease.fencingToken > 0).toBe(true);
      expect(lease.holderId).toEqual(expect.any(String));
      const error = await rejection(second.acquire('conversation-1'));
      expect(error).toBeInstanceOf(LeaseBusyError);
      expect(TristackError.hasCode(error, 'LEASE_BUSY')).toBe(true);
      expect((error as LeaseBusyError).resource).toBe('conversation-1');
      expect((error as LeaseBusyError).retryAfterMs).toBeGreaterThan(5_000);
      expect(await second.tryAcquire('conversation-1')).toBeUndefined();
      // Another resource is independent.
      expect(await second.tryAcquire('conversation-2')).toBeDefined();
      await first.assertFence('conversation-1', lease.fencingToken);
    });

    it('lets exactly one of many simultaneous contenders win', async () => {
      await fresh();
      const managers = await Promise.all(Array.from({ length: 8 }, () => context.create()));
      const results = await Promise.all(managers.map((manager) => manager.tryAcquire('contested')));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('releases only for the holder, and hands out strictly increasing fencing tokens', async () => {
      const leases = await fresh();
      const tokens: number[] = [];
      let previous: Lease | undefined;
      for (let round = 0; round < 20; round++) {
        const lease = await leases.acquire('r');
        tokens.push(lease.fencingToken);
        if (previous) expect(await leases.release(previous)).toBe(false);
        expect(await leases.release(lease)).toBe(true);
        expect(await leases.release(lease)).toBe(false);
        previous = lease;
      }
      for (let index = 1; index < tokens.length; index++)
        expect(tokens[index]!).toBeGreaterThan(tokens[index - 1]!);
      // A stale lease cannot release the current holder.
      const current = await leases.acquire('r');
      expect(await leases.release(previous!)).toBe(false);
      await leases.assertFence('r', current.fencingToken);
      expect(await leases.release({ ...current, holderId: 'someone-else' })).toBe(false);
      await leases.assertFence('r', current.fencingToken);
    });

    it('expires a lease that is not renewed; the next holder has a higher token and fences the old one', async () => {
      const first = await fresh();
      const second = await context.create();
      const stale = await first.acquire('r', { ttlMs: ttl() });
      await context.wait(ttl() + 100);
      await expect(first.assertFence('r', stale.fencingToken)).rejects.toBeInstanceOf(LeaseLostError);
      const next = await second.acquire('r', { ttlMs: 10_000 });
      expect(next.fencingToken).toBeGreaterThan(stale.fencingToken);
      const fenced = await rejection(second.assertFence('r', stale.fencingToken));
      expect(fenced).toBeInstanceOf(LeaseLostError);
      expect(fenced).toMatchObject({
        code: 'LEASE_LOST',
        fencingToken: stale.fencingToken,
        currentFencingToken: next.fencingToken,
      });
      const renewal = await rejection(first.renew(stale));
      expect(renewal).toBeInstanceOf(LeaseLostError);
      expect((renewal as LeaseLostError).currentFencingToken).toBe(next.fencingToken);
      expect(await first.release(stale)).toBe(false);
      await second.assertFence('r', next.fencingToken);
    });

    it('renew extends the lease (heartbeat) and keeps others out', async () => {
      const first = await fresh();
      const second = await context.create();
      let lease = await first.acquire('r', { ttlMs: ttl() });
      // Six beats outlast the first TTL (1.2 TTLs) and each leaves 0.8 TTL for a descheduled process.
      for (let beat = 0; beat < 6; beat++) {
        await context.wait(ttl() * 0.2);
        const renewed = await first.renew(lease);
        expect(renewed.fencingToken).toBe(lease.fencingToken);
        expect(renewed.expiresAt).toBeGreaterThan(lease.expiresAt);
        lease = renewed;
      }
      expect(await second.tryAcquire('r')).toBeUndefined();
      lease = await first.renew(lease, { ttlMs: 10_000 });
      expect(lease.ttlMs).toBe(10_000);
      await context.wait(ttl() * 1.2);
      await first.assertFence('r', lease.fencingToken);
      await expect(first.renew({ ...lease, holderId: 'forged' })).rejects.toBeInstanceOf(LeaseLostError);
    });

    it('fails assertFence once the lease is released', async () => {
      const leases = await fresh();
      const lease = await leases.acquire('r');
      await leases.release(lease);
      const error = await rejection(leases.assertFence('r', lease.fencingToken));
      expect(error).toBeInstanceOf(LeaseLostError);
      expect((error as LeaseLostError).currentFencingToken).toBeUndefined();
      await expect(leases.assertFence('never-held', 5)).rejects.toBeInstanceOf(LeaseLostError);
    });

    it('waits up to waitMs for a release or an expiry', async () => {
      const first = await fresh();
      const second = await context.create();
      const held = await first.acquire('r', { ttlMs: 10_000 });
      setTimeout(() => void first.release(held), 60);
      const afterRelease = await second.acquire('r', { ttlMs: ttl(), waitMs: 5_000 });
      expect(afterRelease.fencingToken).toBeGreaterThan(held.fencingToken);
      // Nobody releases this time: the waiter gets the lease once its TTL ran out.
      setTimeout(() => void context.wait(ttl() + 50), 30);
      const afterExpiry = await first.acquire('r', { waitMs: 5_000 });
      expect(afterExpiry.fencingToken).toBeGreaterThan(afterRelease.fencingToken);
      const busy = await rejection(second.acquire('r', { waitMs: 80 }));
      expect(busy).toBeInstanceOf(LeaseBusyError);
    });

    it('stops waiting when the signal aborts', async () => {
      const first = await fresh();
      await first.acquire('r', { ttlMs: 10_000 });
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error('caller gave up')), 40);
      await expect(first.acquire('r', { waitMs: 10_000, signal: controller.signal })).rejects.toThrow(
        'caller gave up',
      );
    });

    describe('run', () => {
      it('runs the callback under the lease and releases it afterwards', async () => {
        const leases = await fresh();
        const other = await context.create();
        const result = await leases.run('r', async (lease, signal) => {
          expect(signal.aborted).toBe(false);
          await leases.assertFence('r', lease.fencingToken);
          expect(await other.tryAcquire('r')).toBeUndefined();
          return 'done';
        });
        expect(result).toBe('done');
        expect(await other.tryAcquire('r')).toBeDefined();
      });

      it('releases when the callback throws and passes the error on', async () => {
        const leases = await fresh();
        await expect(
          leases.run('r', () => {
            throw new Error('turn failed');
          }),
        ).rejects.toThrow('turn failed');
        expect(await leases.tryAcquire('r')).toBeDefined();
      });

      it('does not call the callback when the lease is busy', async () => {
        const leases = await fresh();
        await leases.acquire('r', { ttlMs: 10_000 });
        let called = false;
        await expect(
          leases.run('r', () => {
            called = true;
          }),
        ).rejects.toBeInstanceOf(LeaseBusyError);
        expect(called).toBe(false);
      });

      it('renews in the background while the callback runs past the TTL', async () => {
        const leases = await fresh();
        const other = await context.create();
        await leases.run(
          'r',
          async (lease, signal) => {
            for (let step = 0; step < 5; step++) {
              await context.wait(ttl() * 0.3);
              await sleep(40);
            }
            // 1.5 TTLs of store time passed: only renewals kept the lease.
            expect(signal.aborted).toBe(false);
            expect(await other.tryAcquire('r')).toBeUndefined();
            await leases.assertFence('r', lease.fencingToken);
          },
          { ttlMs: ttl(), renewIntervalMs: 20 },
        );
      });

      it('aborts the signal and rejects with LeaseLostError when a stalled holder lost the lease', async () => {
        const leases = await fresh();
        const other = await context.create();
        let takeover: Lease | undefined;
        let reason: unknown;
        const outcome = await rejection(
          leases.run(
            'r',
            async (_lease, signal) => {
              context.stall(ttl() + 100);
              takeover = await other.acquire('r', { ttlMs: 10_000 });
              await eventually(() => expect(signal.aborted).toBe(true));
              reason = signal.reason;
              return 'finished anyway';
            },
            { ttlMs: ttl(), renewIntervalMs: 20 },
          ),
        );
        expect(reason).toBeInstanceOf(LeaseLostError);
        expect(outcome).toBeInstanceOf(LeaseLostError);
        // The stale holder's release did not touch the new holder's lease.
        await other.assertFence('r', takeover!.fencingToken);
      });

      it('keepAlive reports a lost lease through onLost and its signal', async () => {
        const leases = await fresh();
        const other = await context.create();
        const lease = await leases.acquire('r', { ttlMs: ttl() });
        const lost: Error[] = [];
        const heartbeat = leases.keepAlive(lease, {
          renewIntervalMs: 20,
          onLost: (error) => lost.push(error),
        });
        try {
          await sleep(60);
          expect(heartbeat.lease.expiresAt).toBeGreaterThanOrEqual(lease.expiresAt);
          context.stall(ttl() + 100);
          await other.acquire('r');
          await eventually(() => expect(lost).toHaveLength(1));
          expect(lost[0]).toBeInstanceOf(LeaseLostError);
          expect(heartbeat.signal.reason).toBe(lost[0]);
        } finally {
          await heartbeat.stop();
        }
      });
    });

    describe('validation', () => {
      it('rejects bad resources, TTLs, leases and tokens with InvalidInputError', async () => {
        const leases = await fresh();
        for (const resource of ['', 'a\u0007', 'x'.repeat(257), 42])
          await expect(leases.acquire(resource as string)).rejects.toBeInstanceOf(InvalidInputError);
        for (const options of [{ ttlMs: 0 }, { ttlMs: 1.5 }, { waitMs: -1 }, { ttl: 5 }])
          await expect(leases.acquire('r', options as never)).rejects.toBeInstanceOf(InvalidInputError);
        const lease = await leases.acquire('r');
        for (const bad of [{ ...lease, fencingToken: 0 }, { ...lease, resource: '' }, { resource: 'r' }])
          await expect(leases.renew(bad as Lease)).rejects.toBeInstanceOf(InvalidInputError);
        await expect(leases.renew(lease, { ttlMs: -5 })).rejects.toBeInstanceOf(InvalidInputError);
        await expect(leases.release({ ...lease, holderId: '' })).rejects.toBeInstanceOf(InvalidInputError);
        for (const token of [0, -1, 1.5, Number.NaN, '7'])
          await expect(leases.assertFence('r', token as number)).rejects.toBeInstanceOf(InvalidInputError);
        await leases.assertFence('r', lease.fencingToken);
      });

      it('rejects bad options with InvalidOptionsError', async () => {
        await fresh();
        for (const options of [{ defaultTtlMs: 0 }, { retryIntervalMs: 0 }, { defaultTtlMs: 'soon' }])
          await expect(async () => context.create(options as never)).rejects.toBeInstanceOf(
            InvalidOptionsError,
          );
      });
    });

    it('inspector: shows the live holder and its token, and nothing once released', async () => {
      const manager = await fresh();
      const inspector = inspectorOf<ConversationLeaseInspector>(manager, 'ConversationLease');
      expect(await inspector.holder('inspected')).toBeUndefined();
      const lease = await manager.acquire('inspected', { ttlMs: 10_000 });
      const holder = await inspector.holder('inspected');
      expect(holder).toMatchObject({
        resource: 'inspected',
        holderId: lease.holderId,
        fencingToken: lease.fencingToken,
      });
      expect(holder!.expiresInMs).toBeGreaterThan(0);
      expect(holder!.expiresInMs).toBeLessThanOrEqual(10_000);
      await manager.release(lease);
      expect(await inspector.holder('inspected')).toBeUndefined();
      await expect(inspector.holder('')).rejects.toBeInstanceOf(InvalidInputError);
    });
  });
}
