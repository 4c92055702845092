import { compositeKey } from '@tristack/core';
import { RedisRateLimiter } from '@tristack/redis';
import { useRedis } from '@tristack/testing/redis';
import { describe, expect, it } from 'vitest';
import { runBinary, type Run } from './run-cli.fixture.js';
import type { LimitEntry } from './commands/inspect-limits.js';

const redis = useRedis();

function tristack(...args: string[]): Promise<Run> {
  return runBinary(['--url', `${redis.url}/${redis.database}`, ...args]);
}

/** Counts as the LangChain middleware's default key does (`identityRateLimitKeys`): typed composite keys. */
async function seedAsMiddleware(): Promise<void> {
  const limiter = new RedisRateLimiter({
    client: redis.client,
    name: 'agent',
    // A loaded CI machine must not turn a seed into a fail-open answer that counted nothing.
    timeoutMs: 10_000,
    failurePolicy: 'fail-closed',
    limits: [
      // A day's window: seeding on a loaded machine takes seconds, and a minute's window could
      // split the two counted calls across a boundary (1 + 1 instead of 2).
      {
        name: 'rpm',
        scope: 'user',
        algorithm: 'fixed-window',
        anchor: 'first-hit',
        limit: 20,
        windowMs: 86_400_000,
      },
      {
        name: 'rpm',
        scope: 'tenant',
        algorithm: 'fixed-window',
        anchor: 'first-hit',
        limit: 600,
        windowMs: 86_400_000,
      },
    ],
  });
  const key = (tenant: string, user: string) => ({
    user: compositeKey([
      ['tenant', tenant],
      ['user', user],
    ]),
    tenant: compositeKey([['tenant', tenant]]),
  });
  const seeds = [
    key('acme', 'bob'),
    key('acme', 'bob'),
    key('globex', 'bob'),
    { user: compositeKey([['user', 'carol']]) },
  ];
  for (const seed of seeds) expect((await limiter.limit(seed)).allowed).toBe(true);
}

describe('tristack inspect limits finds the typed keys the middleware writes', () => {
  it('with --tenant: the user within that tenant and the tenant, showing which key matched', async () => {
    await seedAsMiddleware();
    const run = await tristack('-t', 'acme', 'inspect', 'limits', 'bob');
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('rate limits of bob in tenant acme');
    expect(lines[1]!.split(/\s{2,}/).at(-1)).toBe('KEY');
    expect(lines[2]).toMatch(/^agent\s+user\s+rpm\s+fixed-window\s+2\s+no\s.*\stenant=acme:user=bob$/);
    expect(lines[3]).toMatch(/^agent\s+tenant\s+rpm\s+fixed-window\s+2\s+no\s.*\stenant=acme$/);
    expect(run.stdout).not.toContain('globex');

    const json = await tristack('-t', 'acme', 'inspect', 'limits', 'bob', '--json');
    const state = JSON.parse(json.stdout) as { lookedUp: string[]; entries: LimitEntry[] };
    expect(state.lookedUp).toEqual(['tenant=acme:user=bob', 'tenant=acme']);
    expect(state.entries.map((entry) => [entry.scope, entry.id])).toEqual([
      ['user', 'tenant=acme:user=bob'],
      ['tenant', 'tenant=acme'],
    ]);
  }, 90_000);

  it('without --tenant: user=<id>, tenant=<id> and the bare id', async () => {
    await seedAsMiddleware();
    const carol = await tristack('inspect', 'limits', 'carol', '--json');
    const state = JSON.parse(carol.stdout) as { lookedUp: string[]; entries: LimitEntry[] };
    expect(state.lookedUp).toEqual(['user=carol', 'tenant=carol', 'carol']);
    expect(state.entries.map((entry) => [entry.scope, entry.id, entry.rules[0]?.used])).toEqual([
      ['user', 'user=carol', 1],
    ]);
    const acme = await tristack('inspect', 'limits', 'acme');
    expect(acme.stdout).toMatch(/\nagent\s+tenant\s+rpm\s+fixed-window\s+2\s.*\stenant=acme\n/);

    const nobody = await tristack('inspect', 'limits', 'dave');
    expect(nobody.stdout).toBe(
      'rate limits of dave\n  nothing counted under user=dave, tenant=dave, dave (no limiter has seen them, or their counters expired)\n',
    );
  }, 90_000);
});
