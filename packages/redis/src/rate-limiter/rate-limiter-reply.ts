import type { RateLimitTarget, RuleVerdict } from '@tristack/core/driver-kit';

/** One key's part of the script's reply. */
export interface TargetReply {
  /** Deny-list expiry (ms since epoch; 0 when never blocked). */
  readonly blockedUntil: number;
  /** On a denial: how long this key denies every call (0 when it does not). */
  readonly deniesAllForMs: number;
  /** One verdict per rule, in the order the rules were sent. */
  readonly rules: readonly RuleVerdict[];
}

const RULE_FIELDS = 4;

/** Decodes the script's flat reply of number strings (see rate-limiter-script.ts). */
export function parseRateLimiterReply(
  raw: unknown,
  group: readonly RateLimitTarget[],
): { now: number; targets: TargetReply[] } {
  const values = (raw as (string | number)[]).map(Number);
  let index = 2;
  const targets = group.map((target): TargetReply => {
    const blockedUntil = values[index++]!;
    const deniesAllForMs = values[index++]!;
    const rules = target.rules.map((): RuleVerdict => {
      const [fits, remaining, resetAt, retry] = values.slice(index, index + RULE_FIELDS) as [
        number,
        number,
        number,
        number,
      ];
      index += RULE_FIELDS;
      return {
        fits: fits === 1,
        never: retry < 0,
        remaining,
        resetAt,
        retryAfterMs: retry < 0 ? Infinity : retry,
        exhaustedForMs: 0,
      };
    });
    return { blockedUntil, deniesAllForMs, rules };
  });
  return { now: values[0]! * 1000 + values[1]! / 1000, targets };
}
