import { DEFAULT_DISCOVERY_LIMIT } from '../inspection.js';
import { validateId } from '../ids.js';
import { describeRuleState } from './describe-rule-state.js';
import type { RuleState } from './rate-limit-algorithms.js';
import type { RateLimitRule } from './rate-limiter.js';
import type {
  RateLimitKeyInspection,
  RateLimitKeyInspectionOptions,
  RateLimitKeyState,
  RateLimiterInspector,
} from './rate-limiter-inspector.js';

/** What `InMemoryRateLimiter` keeps per (scope, id). */
export interface InMemoryRateLimitEntry {
  readonly rules: ReadonlyMap<string, RuleState>;
  readonly blockedUntil: number;
  readonly expiresAt: number;
}

/** The limiter state an in-memory inspector reads; it never writes. */
export interface InMemoryRateLimiterState {
  readonly name: string;
  readonly limits: readonly RateLimitRule[];
  /** Entries by `<scope>\u0000<id>`. */
  readonly entries: ReadonlyMap<string, InMemoryRateLimitEntry>;
  now(): number;
}

/** `RateLimiterInspector` over one `InMemoryRateLimiter`'s entries. */
export class InMemoryRateLimiterInspector implements RateLimiterInspector {
  constructor(private readonly limiter: InMemoryRateLimiterState) {}

  async inspectKey(id: string, options: RateLimitKeyInspectionOptions = {}): Promise<RateLimitKeyInspection> {
    validateId(id, 'rate limit key', 'memory');
    const now = this.limiter.now();
    const limit = options.limit ?? DEFAULT_DISCOVERY_LIMIT;
    const found: RateLimitKeyState[] = [];
    let truncated = false;
    if (options.limiter === undefined || options.limiter === this.limiter.name) {
      for (const [entryId, entry] of this.limiter.entries) {
        const [scope, keyId] = entryId.split('\u0000') as [string, string];
        if (keyId !== id || (options.scope !== undefined && scope !== options.scope)) continue;
        if (entry.expiresAt <= now) continue;
        if (found.length >= limit) {
          truncated = true;
          break;
        }
        found.push(this.describe(scope, id, entry, now));
      }
    }
    found.sort((a, b) => a.scope.localeCompare(b.scope));
    return { checkedAt: now, found, undecodable: [], truncated };
  }

  private describe(scope: string, id: string, entry: InMemoryRateLimitEntry, now: number): RateLimitKeyState {
    const rules = [...entry.rules]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, state]) =>
        describeRuleState(
          name,
          state,
          now,
          this.limiter.limits.find((rule) => rule.scope === scope && rule.name === name),
        ),
      );
    return {
      limiter: this.limiter.name,
      scope,
      id,
      storageKey: `${this.limiter.name}/${scope}/${id}`,
      expiresInMs: entry.expiresAt - now,
      ...(entry.blockedUntil > now ? { blockedUntil: Math.ceil(entry.blockedUntil) } : {}),
      rules,
    };
  }
}
