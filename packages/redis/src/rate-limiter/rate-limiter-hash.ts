import type { RuleState } from '@tristack/core/driver-kit';

/**
 * Reads the hash the rate-limit script keeps per (limiter, scope, id) back into the algorithms'
 * `RuleState`. Fields (see `lua/rate-limit-1+.lua`): `!b` blocked-until, `!h` the expiry last
 * set; per rule `<rule>:s` / `:u` (fixed window), `:t` / `:o` / `:n` / `:<bucket>` (sliding
 * window), `:tat` (token bucket). Rule names hold no `:`, so the last `:` splits a field.
 */
export function decodeRateLimiterHash(fields: Record<string, string>): {
  blockedUntil: number;
  rules: Map<string, RuleState>;
} {
  const byRule = new Map<string, Map<string, string>>();
  for (const [field, value] of Object.entries(fields)) {
    if (field.startsWith('!')) continue;
    const cut = field.lastIndexOf(':');
    if (cut < 0) continue;
    const rule = field.slice(0, cut);
    if (!byRule.has(rule)) byRule.set(rule, new Map());
    byRule.get(rule)!.set(field.slice(cut + 1), value);
  }
  const rules = new Map<string, RuleState>();
  for (const [rule, parts] of byRule) {
    if (parts.has('tat')) rules.set(rule, { algorithm: 'token-bucket', tat: Number(parts.get('tat')) });
    else if (parts.has('s') || parts.has('u'))
      rules.set(rule, {
        algorithm: 'fixed-window',
        start: Number(parts.get('s') ?? 0),
        used: Number(parts.get('u') ?? 0),
      });
    else {
      const buckets = new Map<number, number>();
      for (const [part, value] of parts) if (/^-?\d+$/.test(part)) buckets.set(Number(part), Number(value));
      rules.set(rule, { algorithm: 'sliding-window', buckets });
    }
  }
  return { blockedUntil: Number(fields['!b'] ?? 0), rules };
}
