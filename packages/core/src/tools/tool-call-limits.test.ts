import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ManualClock } from '../clock.js';
import { parseCompositeKey } from '../ids.js';
import { InMemoryRateLimiter } from '../rate-limiter/in-memory-rate-limiter.js';
import { defineLocalTool, LocalToolProvider } from './local-tool-provider.js';
import { defaultToolCircuitNames, defaultToolRateLimitKey, type ToolCallTarget } from './tool-call-limits.js';

const ping = defineLocalTool({
  name: 'ping',
  description: 'Answers pong.',
  input: z.object({}),
  behavior: { readOnly: true },
  execute: () => 'pong',
});

function perUserLimiter() {
  return new InMemoryRateLimiter({
    clock: new ManualClock(),
    limits: [
      {
        name: 'per-user',
        scope: 'user',
        algorithm: 'fixed-window',
        anchor: 'first-hit',
        limit: 1,
        windowMs: 60_000,
      },
    ],
  });
}

function target(request: { tenantId?: string; userId: string }, provider = 'local', qualifiedName = 'ping') {
  return { provider, tool: { qualifiedName }, request } as unknown as ToolCallTarget;
}

describe('defaultToolRateLimitKey', () => {
  // Joined by hand (`${tenantId}:${userId}`), these three callers shared one counter.
  const callers = [
    { tenantId: 'acme:x', userId: 'y' },
    { tenantId: 'acme', userId: 'x:y' },
    { userId: 'acme:x:y' },
  ];

  it('gives (acme:x, y), (acme, x:y) and the tenant-less acme:x:y three user keys', () => {
    const limiter = perUserLimiter();
    const keys = callers.map(
      (caller) => (defaultToolRateLimitKey(limiter, target(caller)) as { user: string }).user,
    );
    expect(new Set(keys).size).toBe(3);
    expect(parseCompositeKey(keys[0]!)).toEqual([
      ['tenant', 'acme:x'],
      ['user', 'y'],
    ]);
    expect(parseCompositeKey(keys[2]!)).toEqual([['user', 'acme:x:y']]);
  });

  it('gives each of them a budget of its own through the tool governance', async () => {
    const provider = new LocalToolProvider({ tools: [ping], rateLimiter: perUserLimiter() });
    for (const caller of callers)
      expect((await provider.execute({ ...caller, toolName: 'ping' })).status, JSON.stringify(caller)).toBe(
        'success',
      );
    for (const caller of callers)
      expect(await provider.execute({ ...caller, toolName: 'ping' })).toMatchObject({
        status: 'tool_error',
        error: { kind: 'rate_limited' },
      });
  });

  it('keeps provider/tool splits apart and bounds long encoded keys to one limiter id', () => {
    const limiter = new InMemoryRateLimiter({
      limits: [
        {
          name: 'per-tool',
          scope: 'tool',
          algorithm: 'fixed-window',
          anchor: 'first-hit',
          limit: 1,
          windowMs: 1000,
        },
        {
          name: 'per-user',
          scope: 'user',
          algorithm: 'fixed-window',
          anchor: 'first-hit',
          limit: 1,
          windowMs: 1000,
        },
      ],
    });
    const left = defaultToolRateLimitKey(limiter, target({ userId: 'u' }, 'a:b', 'c')) as Record<
      string,
      string
    >;
    const right = defaultToolRateLimitKey(limiter, target({ userId: 'u' }, 'a', 'b:c')) as Record<
      string,
      string
    >;
    expect(left.tool).not.toBe(right.tool);
    // 200 CJK characters encode to 1800: too long for a limiter id, so a digest stands in.
    const long = defaultToolRateLimitKey(
      limiter,
      target({ tenantId: 't', userId: '山'.repeat(200) }),
    ) as Record<string, string>;
    const other = defaultToolRateLimitKey(
      limiter,
      target({ tenantId: 't', userId: `${'山'.repeat(199)}川` }),
    ) as Record<string, string>;
    expect(long.user).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(long.user).not.toBe(other.user);
  });
});

describe('defaultToolRateLimitKey never gives a bare id', () => {
  const everyScope = () =>
    new InMemoryRateLimiter({
      limits: ['provider', 'tool', 'user', 'tenant'].map((scope) => ({
        name: `per-${scope}`,
        scope,
        algorithm: 'fixed-window' as const,
        anchor: 'first-hit' as const,
        limit: 1,
        windowMs: 60_000,
      })),
    });

  it('keys provider and tenant rules by typed parts: provider=<p>, tenant=<t>', () => {
    expect(defaultToolRateLimitKey(everyScope(), target({ tenantId: 'acme', userId: 'bob' }))).toEqual({
      provider: 'provider=local',
      tool: 'provider=local:tool=ping',
      user: 'tenant=acme:user=bob',
      tenant: 'tenant=acme',
    });
  });

  it('a tenant or provider named like a composite or a digest never meets that key', () => {
    const limiter = everyScope();
    // A long user id makes the user key a digest; a tenant named exactly that digest stays typed.
    const digest = (
      defaultToolRateLimitKey(limiter, target({ tenantId: 't', userId: '山'.repeat(200) })) as {
        user: string;
      }
    ).user;
    expect(digest).toMatch(/^sha256=[0-9a-f]{64}$/);
    const posing = defaultToolRateLimitKey(
      limiter,
      target({ tenantId: digest, userId: 'u' }, 'provider=local:tool=ping'),
    ) as Record<string, string>;
    expect(posing.tenant).toBe(`tenant=${digest.replace('=', '%3D')}`);
    expect(posing.provider).toBe('provider=provider%3Dlocal%3Atool%3Dping');
    const taken = new Set(
      Object.values(defaultToolRateLimitKey(limiter, target({ tenantId: 't', userId: '山'.repeat(200) }))),
    );
    for (const value of Object.values(posing)) expect(taken.has(value)).toBe(false);
    expect(Object.values(posing)).not.toContain('provider=local:tool=ping');
  });
});

describe('defaultToolCircuitNames', () => {
  it('names one breaker per provider and one per tool, with no provider/tool split shared', () => {
    expect(defaultToolCircuitNames(target({ userId: 'u' }, 'arcade', 'Gmail.ListEmails'))).toEqual([
      'provider=arcade',
      'provider=arcade:tool=Gmail.ListEmails',
    ]);
    const [, left] = defaultToolCircuitNames(target({ userId: 'u' }, 'a:b', 'c'));
    const [, right] = defaultToolCircuitNames(target({ userId: 'u' }, 'a', 'b:c'));
    expect(left).not.toBe(right);
  });
});
