import { systemClock, type Clock } from '../clock.js';
import { BaseConversationLease, type LeaseAttempt } from './base-conversation-lease.js';
import type { ConversationLeaseInspector } from './conversation-lease-inspector.js';
import { InMemoryLeaseInspector } from './in-memory-lease-inspector.js';
import type { ConversationLeaseOptions, Lease } from './lease.js';

const DRIVER = 'memory';

export interface InMemoryConversationLeaseOptions extends ConversationLeaseOptions {
  /**
   * Time source for lease expiry (waiting and heartbeats use real timers).
   * @default systemClock
   */
  clock?: Clock;
}

interface Holder {
  holderId: string;
  fencingToken: number;
  expiresAt: number;
}

/**
 * `ConversationLease` inside one process: for tests, development and single-process agents.
 * Same semantics as the Redis driver, nothing shared between processes.
 */
export class InMemoryConversationLease extends BaseConversationLease {
  private readonly holders = new Map<string, Holder>();
  /** Last token handed out per resource; kept after the lease ends so tokens never repeat. */
  private readonly lastTokens = new Map<string, number>();
  private readonly clock: Clock;

  constructor(options: InMemoryConversationLeaseOptions = {}) {
    const { clock, ...rest } = options;
    super(rest, DRIVER, 'InMemoryConversationLease');
    this.clock = clock ?? systemClock;
  }

  /** A read-only view of this manager's leases. */
  inspector(): ConversationLeaseInspector {
    return new InMemoryLeaseInspector(this.holders, () => this.clock.now());
  }

  protected async attempt(resource: string, holderId: string, ttlMs: number): Promise<LeaseAttempt> {
    const now = this.clock.now();
    const holder = this.live(resource, now);
    if (holder) return { acquired: false, retryAfterMs: holder.expiresAt - now };
    // Same rule as the Redis driver: at least the clock's ms, so tokens keep rising even if
    // the counter were lost.
    const fencingToken = Math.max((this.lastTokens.get(resource) ?? 0) + 1, now);
    this.lastTokens.set(resource, fencingToken);
    const expiresAt = now + ttlMs;
    this.holders.set(resource, { holderId, fencingToken, expiresAt });
    return { acquired: true, lease: { resource, fencingToken, holderId, ttlMs, expiresAt } };
  }

  protected async extend(lease: Lease, ttlMs: number) {
    const now = this.clock.now();
    const holder = this.live(lease.resource, now);
    if (!holder || holder.holderId !== lease.holderId || holder.fencingToken !== lease.fencingToken)
      return { currentFencingToken: holder?.fencingToken };
    holder.expiresAt = now + ttlMs;
    return { expiresAt: holder.expiresAt };
  }

  protected async remove(lease: Lease): Promise<boolean> {
    const holder = this.live(lease.resource, this.clock.now());
    if (!holder || holder.holderId !== lease.holderId || holder.fencingToken !== lease.fencingToken)
      return false;
    this.holders.delete(lease.resource);
    return true;
  }

  protected async liveFencingToken(resource: string): Promise<number | undefined> {
    return this.live(resource, this.clock.now())?.fencingToken;
  }

  private live(resource: string, now: number): Holder | undefined {
    const holder = this.holders.get(resource);
    if (holder && holder.expiresAt <= now) {
      this.holders.delete(resource);
      return undefined;
    }
    return holder;
  }
}
