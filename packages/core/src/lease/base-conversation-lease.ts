import { setTimeout as sleep } from 'node:timers/promises';
import { parseInput, parseOptions } from '../validation.js';
import {
  acquireLeaseOptionsSchema,
  conversationLeaseOptionsSchema,
  fencingTokenSchema,
  leaseResourceSchema,
  leaseSchema,
  renewLeaseOptionsSchema,
  type AcquireLeaseOptions,
  type ConversationLease,
  type ConversationLeaseOptions,
  type KeepAliveOptions,
  type Lease,
  type LeaseKeepAlive,
  type RenewLeaseOptions,
  type RunWithLeaseOptions,
} from './lease.js';
import { LeaseBusyError, LeaseLostError } from './lease-errors.js';

/** One store-level attempt to take a lease. */
export type LeaseAttempt =
  | { acquired: true; lease: Lease }
  | { acquired: false; /** Remaining TTL of the current holder, when known. */ retryAfterMs?: number };

/**
 * What every `ConversationLease` driver shares: validation, waiting with retries, heartbeats and
 * `run`. A driver supplies the four atomic store operations. For driver authors.
 *
 * The contract does not include: the clock (expiry and the fencing token's floor come from the
 * store's own time), waiting, retries and heartbeats (the base class loops on `attempt` and
 * `extend`), where the last token of a released lease is kept, and key layout.
 */
export abstract class BaseConversationLease implements ConversationLease {
  protected readonly defaultTtlMs: number;
  protected readonly retryIntervalMs: number;

  protected constructor(
    options: ConversationLeaseOptions,
    protected readonly driver: string,
    what: string,
  ) {
    const parsed = parseOptions(conversationLeaseOptionsSchema, options, { what, driver });
    this.defaultTtlMs = parsed.defaultTtlMs;
    this.retryIntervalMs = parsed.retryIntervalMs;
  }

  /** Takes the lease when free (or expired) with a new, higher fencing token. */
  protected abstract attempt(resource: string, holderId: string, ttlMs: number): Promise<LeaseAttempt>;
  /**
   * Extends the lease when `holderId` and `fencingToken` still hold it: the new expiry, or
   * else the token of whoever holds it now.
   */
  protected abstract extend(
    lease: Lease,
    ttlMs: number,
  ): Promise<{ expiresAt: number } | { expiresAt?: undefined; currentFencingToken: number | undefined }>;
  /** Deletes the lease when `holderId` and `fencingToken` still hold it. */
  protected abstract remove(lease: Lease): Promise<boolean>;
  /** Fencing token of the live lease on `resource`, if any. */
  protected abstract liveFencingToken(resource: string): Promise<number | undefined>;

  async acquire(resource: string, options: AcquireLeaseOptions = {}): Promise<Lease> {
    const name = parseInput(leaseResourceSchema, resource, { what: 'lease resource', driver: this.driver });
    const parsed = parseInput(acquireLeaseOptionsSchema, options, {
      what: 'acquire options',
      driver: this.driver,
    });
    const ttlMs = parsed.ttlMs ?? this.defaultTtlMs;
    const waitMs = parsed.waitMs ?? 0;
    const holderId = globalThis.crypto.randomUUID();
    const started = performance.now();
    for (;;) {
      parsed.signal?.throwIfAborted();
      const result = await this.attempt(name, holderId, ttlMs);
      if (result.acquired) return result.lease;
      const waited = performance.now() - started;
      const remaining = waitMs - waited;
      if (remaining <= 0)
        throw new LeaseBusyError(name, {
          driver: this.driver,
          retryAfterMs: result.retryAfterMs,
          waitedMs: Math.round(waited),
        });
      // Jitter spreads waiting contenders so they do not retry in lockstep.
      const pause = Math.min(
        this.retryIntervalMs * (0.5 + Math.random() / 2),
        result.retryAfterMs === undefined ? Infinity : result.retryAfterMs + 1,
        remaining,
      );
      await sleep(Math.max(1, pause), undefined, { signal: parsed.signal }).catch((error: unknown) => {
        // Reject with the caller's abort reason, as `throwIfAborted` does, not Node's AbortError.
        parsed.signal?.throwIfAborted();
        throw error;
      });
    }
  }

  async tryAcquire(
    resource: string,
    options: Omit<AcquireLeaseOptions, 'waitMs' | 'signal'> = {},
  ): Promise<Lease | undefined> {
    try {
      return await this.acquire(resource, { ...options, waitMs: 0 });
    } catch (error) {
      if (error instanceof LeaseBusyError) return undefined;
      throw error;
    }
  }

  async renew(lease: Lease, options: RenewLeaseOptions = {}): Promise<Lease> {
    const held = this.parseLease(lease);
    const { ttlMs = held.ttlMs } = parseInput(renewLeaseOptionsSchema, options, {
      what: 'renew options',
      driver: this.driver,
    });
    const result = await this.extend(held, ttlMs);
    if (result.expiresAt === undefined)
      throw new LeaseLostError(held.resource, held.fencingToken, {
        driver: this.driver,
        currentFencingToken: result.currentFencingToken,
      });
    return { ...held, ttlMs, expiresAt: result.expiresAt };
  }

  async release(lease: Lease): Promise<boolean> {
    return this.remove(this.parseLease(lease));
  }

  async assertFence(resource: string, fencingToken: number): Promise<void> {
    const name = parseInput(leaseResourceSchema, resource, { what: 'lease resource', driver: this.driver });
    const token = parseInput(fencingTokenSchema, fencingToken, {
      what: 'fencing token',
      driver: this.driver,
    });
    const current = await this.liveFencingToken(name);
    if (current !== token)
      throw new LeaseLostError(name, token, { driver: this.driver, currentFencingToken: current });
  }

  keepAlive(lease: Lease, options: KeepAliveOptions = {}): LeaseKeepAlive {
    let current = this.parseLease(lease);
    const interval = options.renewIntervalMs ?? Math.max(1, Math.floor(current.ttlMs / 3));
    const controller = new AbortController();
    let lastRenewal = performance.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let inFlight: Promise<void> | undefined;
    let stopped = false;
    const lose = (error: Error) => {
      if (controller.signal.aborted) return;
      controller.abort(error);
      options.onLost?.(error);
    };
    const tick = async () => {
      try {
        current = await this.renew(current);
        lastRenewal = performance.now();
      } catch (error) {
        if (error instanceof LeaseLostError) return lose(error);
        // A transient failure (Redis restarting) is retried until the TTL would have run out:
        // past that point another holder may have the lease, so this one must stop.
        if (performance.now() - lastRenewal >= current.ttlMs)
          lose(
            new LeaseLostError(current.resource, current.fencingToken, {
              driver: this.driver,
              cause: error,
            }),
          );
      }
    };
    const schedule = () => {
      if (stopped || controller.signal.aborted) return;
      timer = setTimeout(() => {
        inFlight = tick().finally(() => {
          inFlight = undefined;
          schedule();
        });
      }, interval);
    };
    schedule();
    return {
      signal: controller.signal,
      get lease() {
        return current;
      },
      stop: async () => {
        stopped = true;
        clearTimeout(timer);
        await inFlight;
      },
    };
  }

  async run<T>(
    resource: string,
    fn: (lease: Lease, signal: AbortSignal) => Promise<T> | T,
    options: RunWithLeaseOptions = {},
  ): Promise<T> {
    const { renewIntervalMs, ...acquireOptions } = options;
    const lease = await this.acquire(resource, acquireOptions);
    const heartbeat = this.keepAlive(lease, renewIntervalMs === undefined ? {} : { renewIntervalMs });
    let result: T;
    try {
      result = await fn(lease, heartbeat.signal);
    } finally {
      await heartbeat.stop();
      // The lease expires by itself; a failed release must not mask the callback's outcome.
      await this.release(heartbeat.lease).catch(() => false);
    }
    if (heartbeat.signal.aborted) throw heartbeat.signal.reason;
    return result;
  }

  private parseLease(lease: Lease): Lease {
    return parseInput(leaseSchema, lease, { what: 'lease', driver: this.driver });
  }
}
