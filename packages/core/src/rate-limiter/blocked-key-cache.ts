import { systemClock, type Clock } from '../clock.js';
import type { RateLimitReason } from './rate-limiter.js';

/** A key known to deny every call until `until` (local time), and why. */
export interface BlockedKey {
  readonly until: number;
  readonly reason: RateLimitReason;
  /** The scope of the rule that denied, when the store named one. */
  readonly scope?: string;
  /** The rule that denied, when the store named one. */
  readonly rule?: string;
}

/**
 * Per-process memory of keys the store said deny every call until some time (blocked, or a rule
 * exhausted). Answering those locally saves a round trip per call under attack. Bounded: the
 * oldest entry goes when full. It may deny a little longer than the store would after another
 * process's `reset` or refund — never shorter, so it never over-admits.
 */
export class BlockedKeyCache {
  private readonly entries = new Map<string, BlockedKey>();

  constructor(
    private readonly maxKeys: number,
    private readonly clock: Clock = systemClock,
  ) {}

  /** The local time until which `id` is known to deny, or undefined. */
  get(id: string): BlockedKey | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (entry.until <= this.clock.now()) {
      this.entries.delete(id);
      return undefined;
    }
    return entry;
  }

  /** `denied`: the scope and rule that denied, so a local answer names them as the store's did. */
  set(id: string, forMs: number, reason: RateLimitReason, denied?: { scope?: string; rule?: string }): void {
    if (!(forMs > 0) || this.maxKeys === 0) return;
    this.entries.delete(id);
    if (this.entries.size >= this.maxKeys) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(id, { until: this.clock.now() + forMs, reason, ...denied });
  }

  delete(id: string): void {
    this.entries.delete(id);
  }

  get size(): number {
    return this.entries.size;
  }
}
