import { systemClock, type Clock } from '../clock.js';
import type { RateLimitReason } from './rate-limiter.js';

/**
 * Per-process memory of keys the store said deny every call until some time (blocked, or a rule
 * exhausted). Answering those locally saves a round trip per call under attack. Bounded: the
 * oldest entry goes when full. It may deny a little longer than the store would after another
 * process's `reset` or refund — never shorter, so it never over-admits.
 */
export class BlockedKeyCache {
  private readonly entries = new Map<string, { until: number; reason: RateLimitReason }>();

  constructor(
    private readonly maxKeys: number,
    private readonly clock: Clock = systemClock,
  ) {}

  /** The local time until which `id` is known to deny, or undefined. */
  get(id: string): { until: number; reason: RateLimitReason } | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (entry.until <= this.clock.now()) {
      this.entries.delete(id);
      return undefined;
    }
    return entry;
  }

  set(id: string, forMs: number, reason: RateLimitReason): void {
    if (!(forMs > 0) || this.maxKeys === 0) return;
    this.entries.delete(id);
    if (this.entries.size >= this.maxKeys) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(id, { until: this.clock.now() + forMs, reason });
  }

  delete(id: string): void {
    this.entries.delete(id);
  }

  get size(): number {
    return this.entries.size;
  }
}
