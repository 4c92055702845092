import type { CircuitSnapshot } from '@tristack/core';
import { RedisCircuitBreaker, RedisSemanticCache } from '@tristack/redis';
import { semanticCacheRequest as ask } from '@tristack/testing/conformance';
import { useRedis } from '@tristack/testing/redis';
import { describe, expect, it } from 'vitest';
import type { CacheTenantState } from './commands/inspect-cache.js';
import { runBinary } from './run-cli.fixture.js';

const redis = useRedis();

// Names that a driver accepts and encodes; under the old escaping `"acme 12345"` became
// `acme%2012345`, which its decoder read as code point U+2012345 and threw on, aborting the command.
const HOSTILE_NAMES = ['acme 12345', 'alice\u2000', 'x:y}{*?[', 'é🙂', '100%', 'tenant=a:user=b', 'plain'];

// Keys no driver writes: a bad escape, an unencoded `:` (two tag parts), raw non-ASCII, an
// invalid UTF-8 sequence, and control characters that must reach the terminal escaped.
const FOREIGN_BREAKER_KEYS = [
  'tristack:circuit-breaker:{%zz}:state',
  'tristack:circuit-breaker:{a:b}:state',
  'tristack:circuit-breaker:{caf\u00e9}:state',
  'tristack:circuit-breaker:{\u001b]0;pwned\u0007}:state',
];
const FOREIGN_CACHE_KEYS = [
  'tristack:semantic-cache:{answers:acme%2}:stats',
  'tristack:semantic-cache:{answers:%C3%28}:stats',
  'tristack:semantic-cache:{answers:\u001b[2J}:stats',
];

function binary(...args: string[]) {
  return runBinary(['--url', `${redis.url}/${redis.database}`, ...args]);
}

// oxlint-disable-next-line no-control-regex -- asserting that no control character is printed
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

describe('tristack inspect: one foreign or crafted key never hides the others', () => {
  it('inspect breakers lists every breaker of hostile names and shows the foreign keys as such', async () => {
    const breaker = new RedisCircuitBreaker({ client: redis.client, windowMs: 60_000 });
    try {
      for (const name of HOSTILE_NAMES) await breaker.execute(name, () => 'ok');
    } finally {
      await breaker.close();
    }
    for (const key of FOREIGN_BREAKER_KEYS) await redis.client.hSet(key, 'state', 'open');

    const text = await binary('inspect', 'breakers', '--window', '60000');
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    expect(text.stdout).not.toMatch(RAW_CONTROL);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1 + HOSTILE_NAMES.length + FOREIGN_BREAKER_KEYS.length);
    for (const name of HOSTILE_NAMES)
      expect(lines.some((line) => line.startsWith(`${name}  `) && /\sclosed\s/.test(line))).toBe(true);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^<undecodable key: tristack:circuit-breaker:\{%zz\}:state>\s+unknown\s/),
        expect.stringMatching(/^<undecodable key: tristack:circuit-breaker:\{a:b\}:state>\s/),
        expect.stringMatching(/^<undecodable key: tristack:circuit-breaker:\{café\}:state>\s/),
        expect.stringMatching(
          /^<undecodable key: tristack:circuit-breaker:\{\\x1b\]0;pwned\\x07\}:state>\s+unknown\s/,
        ),
      ]),
    );

    const json = await binary('inspect', 'breakers', '--json', '--window', '60000');
    expect(json.code).toBe(0);
    const state = JSON.parse(json.stdout) as { breakers: CircuitSnapshot[]; undecodableKeys: string[] };
    expect(state.breakers.map((snapshot) => snapshot.name).sort()).toEqual([...HOSTILE_NAMES].sort());
    expect(state.breakers.every((snapshot) => snapshot.calls === 1)).toBe(true);
    expect([...state.undecodableKeys].sort()).toEqual([...FOREIGN_BREAKER_KEYS].sort());
  }, 90_000);

  it('inspect cache counts every tenant of hostile names and shows the foreign keys as such', async () => {
    const cache = await RedisSemanticCache.create({ client: redis.client, name: 'answers' });
    const reply = { content: 'an answer', usage: { inputTokens: 10, outputTokens: 5 } };
    for (const tenant of HOSTILE_NAMES) await cache.store(ask(`question of ${tenant}`, { tenant }), reply);
    for (const key of FOREIGN_CACHE_KEYS) await redis.client.hSet(key, 'lookups', '1');

    const text = await binary('inspect', 'cache');
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    expect(text.stdout).not.toMatch(RAW_CONTROL);
    const lines = text.stdout.trimEnd().split('\n');
    for (const tenant of HOSTILE_NAMES)
      expect(lines.some((line) => new RegExp(`^answers\\s+${escapeRegExp(tenant)}\\s+1\\s`).test(line))).toBe(
        true,
      );
    expect(lines.slice(-FOREIGN_CACHE_KEYS.length).sort()).toEqual(
      [
        '<undecodable key: tristack:semantic-cache:{answers:acme%2}:stats>',
        '<undecodable key: tristack:semantic-cache:{answers:%C3%28}:stats>',
        '<undecodable key: tristack:semantic-cache:{answers:\\x1b[2J}:stats>',
      ].sort(),
    );

    const json = await binary('inspect', 'cache', '--json');
    expect(json.code).toBe(0);
    const state = JSON.parse(json.stdout) as { caches: CacheTenantState[]; undecodableKeys: string[] };
    expect(state.caches.map((entry) => entry.tenant).sort()).toEqual([...HOSTILE_NAMES].sort());
    expect(state.caches.every((entry) => entry.exactEntries === 1 && entry.stats.stores === 1)).toBe(true);
    expect([...state.undecodableKeys].sort()).toEqual([...FOREIGN_CACHE_KEYS].sort());
  }, 90_000);
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
