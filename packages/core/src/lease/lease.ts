import { z } from 'zod';
import { idSchema } from '../ids.js';

/** Longest lease TTL accepted: a lease is a heartbeat-renewed claim, not storage. */
export const MAX_LEASE_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * A held lease: plain data, safe to log and to pass around. The fencing token is the proof of
 * ownership: it strictly increases with every new holder of the same resource, so a write
 * carrying an older token can be rejected (`assertFence`).
 */
export interface Lease {
  /** The resource the lease is on (a conversation id, a LangGraph thread id…). */
  readonly resource: string;
  /** Strictly increasing per resource across holders; never reused, even after the lease expired. */
  readonly fencingToken: number;
  /** Random id of this acquisition; renew and release check it together with the token. */
  readonly holderId: string;
  /** TTL the lease was last acquired or renewed with. */
  readonly ttlMs: number;
  /** When the lease lapses unless renewed, in ms since the epoch (the store's clock). */
  readonly expiresAt: number;
}

/** Options of `acquire`. */
export interface AcquireLeaseOptions {
  /**
   * How long the lease lives without a renewal.
   * @default the driver's `defaultTtlMs` (30 000)
   */
  ttlMs?: number;
  /**
   * How long to keep retrying while another holder has the lease, then `LeaseBusyError`.
   * `0` tries once.
   * @default 0
   */
  waitMs?: number;
  /** Stops waiting early: the call rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Options of `renew`. */
export interface RenewLeaseOptions {
  /** @default the lease's current `ttlMs` */
  ttlMs?: number;
}

/** Options of `run` and `keepAlive`. */
export interface RunWithLeaseOptions extends AcquireLeaseOptions {
  /**
   * How often the helper renews the lease while the callback runs.
   * @default a third of `ttlMs`
   */
  renewIntervalMs?: number;
}

/** Options of `keepAlive`. */
export interface KeepAliveOptions {
  /** @default a third of the lease's `ttlMs` */
  renewIntervalMs?: number;
  /** Called once when a renewal finds the lease lost (or the store unreachable past the TTL). */
  onLost?: (error: Error) => void;
}

/** A running heartbeat started by `keepAlive`. */
export interface LeaseKeepAlive {
  /** Aborted (with a `LeaseLostError` as reason) as soon as the lease is known to be lost. */
  readonly signal: AbortSignal;
  /** The lease as of the last successful renewal. */
  readonly lease: Lease;
  /** Stops renewing; resolves once any renewal in flight settled. Does not release. */
  stop(): Promise<void>;
}

/**
 * Single-writer leases with fencing tokens: only one holder per resource at a time, a holder
 * that stalls past its TTL loses the lease, and the next holder gets a higher fencing token.
 * Used for "one worker runs a conversation's turn at a time".
 */
export interface ConversationLease {
  /**
   * Takes the lease on `resource`, retrying for up to `waitMs` while someone else holds it.
   * @throws LeaseBusyError when still held by another holder after `waitMs`.
   */
  acquire(resource: string, options?: AcquireLeaseOptions): Promise<Lease>;
  /** One attempt, no waiting: the lease, or `undefined` while another holder has it. */
  tryAcquire(
    resource: string,
    options?: Omit<AcquireLeaseOptions, 'waitMs' | 'signal'>,
  ): Promise<Lease | undefined>;
  /**
   * Extends a held lease (heartbeat). Atomic: only the holder (same holder id and token) can renew.
   * @returns the lease with its new `expiresAt`.
   * @throws LeaseLostError when the lease expired or another holder took it.
   */
  renew(lease: Lease, options?: RenewLeaseOptions): Promise<Lease>;
  /**
   * Gives the lease up. Atomic: only the holder can release.
   * @returns `true` when released, `false` when it was no longer held by this holder.
   */
  release(lease: Lease): Promise<boolean>;
  /**
   * Resolves when `fencingToken` is the token of the live lease on `resource`.
   * Call it right before a write that must not come from a stale holder.
   * @throws LeaseLostError when the lease expired or a newer holder has it.
   */
  assertFence(resource: string, fencingToken: number): Promise<void>;
  /** Renews `lease` in the background until `stop()`; see `LeaseKeepAlive`. */
  keepAlive(lease: Lease, options?: KeepAliveOptions): LeaseKeepAlive;
  /**
   * Acquires, runs `fn` while renewing the lease in the background, then releases.
   * `signal` aborts when the lease is lost mid-run.
   * @throws LeaseBusyError when the lease cannot be acquired within `waitMs`.
   * @throws LeaseLostError when the lease was lost while `fn` ran (after `fn` settled).
   */
  run<T>(
    resource: string,
    fn: (lease: Lease, signal: AbortSignal) => Promise<T> | T,
    options?: RunWithLeaseOptions,
  ): Promise<T>;
}

/** zod schema of a lease resource name: an id (non-empty, ≤ 256 characters, no control characters). */
export const leaseResourceSchema = idSchema;

export const leaseTtlSchema = z.number().int().min(10).max(MAX_LEASE_TTL_MS);

export const acquireLeaseOptionsSchema = z.strictObject({
  ttlMs: leaseTtlSchema.optional(),
  waitMs: z.number().int().min(0).max(MAX_LEASE_TTL_MS).optional(),
  signal: z.instanceof(AbortSignal).optional(),
});

export const renewLeaseOptionsSchema = z.strictObject({ ttlMs: leaseTtlSchema.optional() });

export const leaseSchema = z.object({
  resource: leaseResourceSchema,
  fencingToken: z.number().int().positive(),
  holderId: z.string().min(1).max(128),
  ttlMs: leaseTtlSchema,
  expiresAt: z.number(),
});

export const fencingTokenSchema = z.number().int().positive();

/** Options shared by every `ConversationLease` driver. */
export interface ConversationLeaseOptions {
  /**
   * TTL of a lease when `acquire` gives none.
   * @default 30000
   */
  defaultTtlMs?: number;
  /**
   * Longest pause between two attempts while waiting for a busy lease (the actual pause is
   * shorter when the current lease expires sooner, and jittered).
   * @default 50
   */
  retryIntervalMs?: number;
}

export const conversationLeaseOptionsSchema = z.object({
  defaultTtlMs: leaseTtlSchema.default(30_000),
  retryIntervalMs: z.number().int().min(1).max(60_000).default(50),
});
