import { escapeKeyPart } from '@tristack/core';
import { toRedisConnection } from '@tristack/redis';
import { type CliCommand, UsageError, tableFor } from '../command.js';
import { formatDuration, formatTime } from '../output.js';
import {
  globEscape,
  hashTagIds,
  readHash,
  scanForContext,
  scanLimitOption,
  serverTime,
} from '../redis-reads.js';

/** One rule's counters, as `RedisRateLimiter`'s script keeps them in the hash. */
export interface RuleCounters {
  rule: string;
  algorithm: 'fixed-window' | 'sliding-window' | 'token-bucket';
  /** Fixed and sliding windows: what the window has counted (sliding: may include buckets about to slide out). */
  used?: number;
  /** Fixed window: epoch ms the window opened. */
  windowStart?: number;
  /** Sliding window: count per bucket index (bucket = window / segments since the epoch). */
  buckets?: Record<string, number>;
  /** Token bucket: the theoretical arrival time; the bucket is full again then. */
  fullAt?: number;
}

export interface LimitEntry {
  limiter: string;
  scope: string;
  id: string;
  redisKey: string;
  /** ms until the hash expires (nothing in it counts any more then). */
  ttlMs?: number;
  /** Epoch ms `block()` denies every call until, when in the future. */
  blockedUntil?: number;
  rules: RuleCounters[];
}

/**
 * Decodes a rate-limiter hash. Fields (see `rate-limiter-script.ts`): `!b` blocked-until, `!h`
 * the expiry last set; per rule `<rule>:s`/`:u` (fixed), `<rule>:t`/`:o`/`:n`/`:<bucket>` (sliding),
 * `<rule>:tat` (token bucket).
 */
export function decodeLimitHash(
  fields: Record<string, string>,
  now: number,
): Omit<LimitEntry, 'limiter' | 'scope' | 'id' | 'redisKey' | 'ttlMs'> {
  const byRule = new Map<string, Map<string, string>>();
  for (const [field, value] of Object.entries(fields)) {
    if (field.startsWith('!')) continue;
    const cut = field.lastIndexOf(':');
    if (cut < 0) continue;
    const rule = field.slice(0, cut);
    if (!byRule.has(rule)) byRule.set(rule, new Map());
    byRule.get(rule)!.set(field.slice(cut + 1), value);
  }
  const rules: RuleCounters[] = [...byRule]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([rule, parts]) => {
      if (parts.has('tat'))
        return { rule, algorithm: 'token-bucket', fullAt: Math.ceil(Number(parts.get('tat'))) };
      if (parts.has('u') || parts.has('s'))
        return {
          rule,
          algorithm: 'fixed-window',
          used: Number(parts.get('u') ?? 0),
          windowStart: Number(parts.get('s')),
        };
      const buckets: Record<string, number> = {};
      for (const [part, value] of parts) if (/^-?\d+$/.test(part)) buckets[part] = Number(value);
      return { rule, algorithm: 'sliding-window', used: Number(parts.get('t') ?? 0), buckets };
    });
  const blockedUntil = Number(fields['!b'] ?? 0);
  return { ...(blockedUntil > now ? { blockedUntil: Math.ceil(blockedUntil) } : {}), rules };
}

function describeRule(rule: RuleCounters, now: number): string {
  if (rule.algorithm === 'token-bucket')
    return rule.fullAt! > now ? `full again in ${formatDuration(rule.fullAt! - now)}` : 'full';
  if (rule.algorithm === 'fixed-window') return `window opened ${formatTime(rule.windowStart!)}`;
  return `${Object.keys(rule.buckets!).length} bucket(s) counting`;
}

export const inspectLimitsCommand: CliCommand = {
  path: ['inspect', 'limits'],
  usage: '<key>',
  summary:
    'rate-limiter counters of one key (user, tenant, API key…) in every limiter and scope: used, blocked, TTL',
  options: {
    limiter: { type: 'string', value: 'name', description: 'only this limiter (its `name` option)' },
    scope: { type: 'string', value: 'scope', description: 'only this scope (e.g. user, tenant)' },
    ...scanLimitOption,
  },
  async run(context) {
    const [id, ...extra] = context.args;
    if (!id || extra.length > 0) throw new UsageError('inspect limits takes exactly one key');
    const part = (option: string) =>
      typeof context.options[option] === 'string' ? escapeKeyPart(context.options[option]) : '*';
    // The limiter keeps one hash per (limiter, scope, id): `<prefix>:rate-limiter:{<limiter>:<scope>:<id>}`.
    const pattern = `${globEscape(context.prefix)}:rate-limiter:{${part('limiter')}:${part('scope')}:${escapeKeyPart(id)}}`;
    const connection = toRedisConnection(await context.redis());
    const [{ keys, truncated }, now] = await Promise.all([
      scanForContext(context, pattern),
      serverTime(connection),
    ]);
    const entries: LimitEntry[] = [];
    for (const key of keys) {
      const ids = hashTagIds(key);
      if (ids?.length !== 3 || ids[2] !== id) continue;
      const { fields, ttlMs } = await readHash(connection, key);
      if (Object.keys(fields).length === 0) continue; // Expired between SCAN and HGETALL.
      entries.push({
        limiter: ids[0]!,
        scope: ids[1]!,
        id,
        redisKey: key,
        ...(ttlMs !== undefined ? { ttlMs } : {}),
        ...decodeLimitHash(fields, now),
      });
    }
    if (context.json) {
      context.out(`${JSON.stringify({ key: id, checkedAt: now, entries, truncated }, null, 2)}\n`);
      return 0;
    }
    const { style } = context;
    context.out(`${style.bold('rate limits of')} ${id}\n`);
    if (entries.length === 0) {
      context.out('  nothing counted (no limiter has seen this key, or its counters expired)\n');
      return 0;
    }
    // A key only blocked (no rule counted yet) still gets its row.
    const rows = entries.flatMap((entry) =>
      (entry.rules.length > 0 ? entry.rules : [undefined]).map((rule) => [
        entry.limiter,
        entry.scope,
        rule?.rule ?? '-',
        rule?.algorithm ?? '-',
        rule?.used === undefined ? '-' : String(rule.used),
        entry.blockedUntil ? style.red(`until ${formatTime(entry.blockedUntil)}`) : 'no',
        entry.ttlMs === undefined ? '-' : formatDuration(entry.ttlMs),
        rule ? describeRule(rule, now) : '',
      ]),
    );
    context.out(
      tableFor(context, ['LIMITER', 'SCOPE', 'RULE', 'ALGORITHM', 'USED', 'BLOCKED', 'TTL', 'STATE'], rows),
    );
    context.out(
      style.dim(
        "remaining = the rule's limit - USED; the limits live in the deployment's code, not in Redis\n",
      ),
    );
    if (truncated) context.err('tristack: stopped at --scan-limit keys; narrow with --limiter / --scope\n');
    return 0;
  },
};
