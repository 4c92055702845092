import type { CircuitBreaker, CircuitPermit } from '../circuit-breaker/circuit-breaker.js';
import { compositeKey } from '../ids.js';
import type { RateLimiter, RateLimitKey } from '../rate-limiter/rate-limiter.js';
import type { ToolDefinition } from './tool-definition.js';
import type { ParsedExecuteToolRequest } from './tool-provider.js';
import type { ToolError, ToolResult } from './tool-result.js';

/** What the rate-limit key and breaker names are built from. */
export interface ToolCallTarget {
  provider: string;
  tool: ToolDefinition;
  request: ParsedExecuteToolRequest;
}

/**
 * Default rate-limit key: one id per scope the limiter has rules for, among `provider`
 * (`provider=…`), `tool` (one budget per tool: `provider=…:tool=…`), `user` (one budget per user
 * of each tenant: `tenant=…:user=…`, or `user=…` without a tenant) and `tenant` (`tenant=…`).
 * Every id is a `compositeKey`, never a bare id: a tenant or provider named like a composite or a
 * digest (`sha256=…`) is encoded into one typed part and cannot meet another key's counter.
 */
export function defaultToolRateLimitKey(
  limiter: RateLimiter,
  { provider, tool, request }: ToolCallTarget,
): RateLimitKey {
  const candidates: Record<string, string | undefined> = {
    provider: compositeKey([['provider', provider]]),
    tool: compositeKey([
      ['provider', provider],
      ['tool', tool.qualifiedName],
    ]),
    user: compositeKey([
      ['tenant', request.tenantId],
      ['user', request.userId],
    ]),
    tenant: request.tenantId === undefined ? undefined : compositeKey([['tenant', request.tenantId]]),
  };
  const scopes = new Set(limiter.limits.map((rule) => rule.scope));
  const key: Record<string, string> = {};
  for (const [scope, id] of Object.entries(candidates))
    if (id !== undefined && scopes.has(scope)) key[scope] = id;
  return key;
}

/** Default breaker names: one per provider (`provider=…`) and one per tool (`provider=…:tool=…`). */
export function defaultToolCircuitNames({ provider, tool }: ToolCallTarget): string[] {
  return [
    compositeKey([['provider', provider]]),
    compositeKey([
      ['provider', provider],
      ['tool', tool.qualifiedName],
    ]),
  ];
}

/** Checks the rate limit; a `rate_limited` error when the call is not admitted. */
export async function checkToolRateLimit(
  limiter: RateLimiter,
  key: RateLimitKey,
): Promise<ToolError | undefined> {
  if (typeof key === 'object' && Object.keys(key).length === 0) return undefined;
  const result = await limiter.limit(key);
  if (result.allowed) return undefined;
  const finite = Number.isFinite(result.retryAfterMs);
  return {
    kind: 'rate_limited',
    message: `too many calls to this tool; ${finite ? `retry in ${Math.ceil(result.retryAfterMs)} ms` : 'the budget is exhausted'}`,
    canRetry: finite,
    providerKind: `rate_limit:${result.reason ?? 'limited'}`,
    ...(finite ? { retryAfterMs: Math.ceil(result.retryAfterMs) } : {}),
  };
}

/** Permits for every breaker, or the error of the first that refused (earlier permits are released). */
export async function acquireToolCircuits(
  breaker: CircuitBreaker,
  names: readonly string[],
): Promise<{ permits: CircuitPermit[] } | { error: ToolError }> {
  const permits: CircuitPermit[] = [];
  for (const name of names) {
    const admission = await breaker.acquire(name);
    if (admission.admitted) {
      permits.push(admission.permit);
      continue;
    }
    await Promise.all(permits.map((permit) => breaker.record(permit, { status: 'ignored' }).catch(() => {})));
    return {
      error: {
        kind: 'unavailable',
        message: `the tool is temporarily unavailable (circuit ${admission.state}); retry in ${admission.retryAfterMs} ms`,
        canRetry: true,
        retryAfterMs: admission.retryAfterMs,
        providerKind: `circuit_open:${name}`,
      },
    };
  }
  return { permits };
}

/**
 * A call counts as a breaker failure only when the dependency itself failed (unavailable, timed
 * out, 5xx); a tool error, a denial or an authorization request means it answered.
 */
export function circuitOutcomeOf(result: ToolResult | undefined) {
  if (result === undefined) return { status: 'ignored' as const };
  const failed = result.status === 'tool_error' && result.error.kind === 'unavailable';
  return failed
    ? { status: 'failure' as const, error: result.error, durationMs: result.durationMs ?? 0 }
    : { status: 'success' as const, durationMs: result.durationMs ?? 0 };
}
