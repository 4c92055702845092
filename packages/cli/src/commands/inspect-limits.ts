import {
  compositeKey,
  type RateLimiterInspector,
  type RateLimitKeyState,
  type RateLimitRuleState,
} from '@tristack/core';
import { type CliCommand, type CliContext, UsageError, tableFor } from '../command.js';
import { discoveryOptionsOf, scanLimitOption, undecodableKeyLabel } from '../discovery.js';
import { formatDuration, formatTime } from '../output.js';
import { escapeControl, jsonText } from '../terminal-text.js';

/** One key's state in one limiter and scope, as `--json` prints it. */
export type LimitEntry = Omit<RateLimitKeyState, 'expiresInMs'> & { ttlMs?: number };

function describeRule(rule: RateLimitRuleState, now: number): string {
  if (rule.algorithm === 'token-bucket')
    return rule.fullAt! > now ? `full again in ${formatDuration(rule.fullAt! - now)}` : 'full';
  if (rule.algorithm === 'fixed-window') return `window opened ${formatTime(rule.windowStart!)}`;
  return `${Object.keys(rule.buckets!).length} bucket(s) counting`;
}

/**
 * The stored keys `<id>` may be counted under. The LangChain middleware keys a user as
 * `tenant=<t>:user=<u>` and a tenant as `tenant=<t>` (typed composite keys), a tenant-less user
 * as `user=<u>`; `limiter.limit()` called by hand may use the bare id. With `--tenant` only the
 * typed forms within that tenant; without, every form the id may take, bare id last.
 */
export function candidateLimitKeys(id: string, tenant: string | undefined): string[] {
  const keys =
    tenant === undefined
      ? [compositeKey([['user', id]]), compositeKey([['tenant', id]]), id]
      : [
          compositeKey([
            ['tenant', tenant],
            ['user', id],
          ]),
          compositeKey([['tenant', tenant]]),
        ];
  return [...new Set(keys)];
}

async function rateLimiterInspectorOf(context: CliContext): Promise<RateLimiterInspector> {
  if (context.postgres) {
    const { PostgresRateLimiterInspector } = await import('@tristack/postgres');
    return new PostgresRateLimiterInspector({ pool: await context.postgres(), schema: context.prefix });
  }
  const { RedisRateLimiterInspector } = await import('@tristack/redis');
  return new RedisRateLimiterInspector({ client: await context.redis(), prefix: context.prefix });
}

export const inspectLimitsCommand: CliCommand = {
  path: ['inspect', 'limits'],
  usage: '<id>',
  summary:
    "rate-limiter counters of a user, tenant or key: used, blocked, TTL (finds the middleware's typed keys, user=<id> / tenant=<id>; with -t t: tenant=t:user=<id> and tenant=t)",
  options: {
    limiter: { type: 'string', value: 'name', description: 'only this limiter (its `name` option)' },
    scope: { type: 'string', value: 'scope', description: 'only this scope (e.g. user, tenant)' },
    ...scanLimitOption,
  },
  async run(context) {
    const [id, ...extra] = context.args;
    if (!id || extra.length > 0) throw new UsageError('inspect limits takes exactly one id');
    const option = (name: string) =>
      typeof context.options[name] === 'string' ? (context.options[name] as string) : undefined;
    const inspector = await rateLimiterInspectorOf(context);
    const tenant = option('tenant');
    const keys = candidateLimitKeys(id, tenant);
    const filters = {
      ...discoveryOptionsOf(context),
      ...(option('limiter') !== undefined ? { limiter: option('limiter') } : {}),
      ...(option('scope') !== undefined ? { scope: option('scope') } : {}),
    };
    // One scan per form: each is a literal SCAN MATCH pattern, never a wildcard over ids.
    const inspections = [];
    for (const key of keys) inspections.push(await inspector.inspectKey(key, filters));
    const now = Math.max(...inspections.map((inspection) => inspection.checkedAt));
    const truncated = inspections.some((inspection) => inspection.truncated);
    const undecodableKeys = [...new Set(inspections.flatMap((inspection) => inspection.undecodable))];
    const entries: LimitEntry[] = inspections.flatMap((inspection) =>
      inspection.found.map(({ expiresInMs, ...entry }) => ({
        ...entry,
        ...(expiresInMs !== undefined ? { ttlMs: expiresInMs } : {}),
      })),
    );
    if (context.json) {
      const state = {
        key: id,
        ...(tenant !== undefined ? { tenant } : {}),
        lookedUp: keys,
        checkedAt: now,
        entries,
        ...(undecodableKeys.length ? { undecodableKeys } : {}),
        truncated,
      };
      context.out(`${jsonText(state, 2)}\n`);
      return 0;
    }
    const { style } = context;
    const of =
      tenant === undefined ? escapeControl(id) : `${escapeControl(id)} in tenant ${escapeControl(tenant)}`;
    context.out(`${style.bold('rate limits of')} ${of}\n`);
    for (const key of undecodableKeys) context.err(`tristack: skipped ${undecodableKeyLabel(key)}\n`);
    if (entries.length === 0) {
      context.out(
        `  nothing counted under ${keys.map(escapeControl).join(', ')} (no limiter has seen them, or their counters expired)\n`,
      );
      return 0;
    }
    // Which stored key matched: a column only when one is not the id as typed.
    const showKey = entries.some((entry) => entry.id !== id);
    // A key only blocked (no rule counted yet) still gets its row.
    const rows = entries.flatMap((entry) =>
      (entry.rules.length > 0 ? entry.rules : [undefined]).map((rule) => [
        escapeControl(entry.limiter),
        escapeControl(entry.scope),
        rule ? escapeControl(rule.rule) : '-',
        rule?.algorithm ?? '-',
        rule?.used === undefined ? '-' : String(rule.used),
        entry.blockedUntil ? style.red(`until ${formatTime(entry.blockedUntil)}`) : 'no',
        entry.ttlMs === undefined ? '-' : formatDuration(entry.ttlMs),
        rule ? describeRule(rule, now) : '',
        ...(showKey ? [escapeControl(entry.id)] : []),
      ]),
    );
    const headers = ['LIMITER', 'SCOPE', 'RULE', 'ALGORITHM', 'USED', 'BLOCKED', 'TTL', 'STATE'];
    context.out(tableFor(context, showKey ? [...headers, 'KEY'] : headers, rows));
    context.out(
      style.dim(
        "remaining = the rule's limit - USED; the limits live in the deployment's code, not in its store\n",
      ),
    );
    if (truncated) context.err('tristack: stopped at --scan-limit keys; narrow with --limiter / --scope\n');
    return 0;
  },
};
