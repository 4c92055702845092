import { useRedis } from '@tristack/testing/redis';
import { describe, expect, it } from 'vitest';
import { toRedisConnection } from './connection.js';
import { redisKey } from './keys.js';
import { discoverTaggedKeys, globEscape, parseTaggedKey, scanKeys } from './scan-keys.js';

const redis = useRedis();

describe('parseTaggedKey', () => {
  it('reads back what redisKey wrote, hostile ids included', () => {
    for (const ids of [['plain'], ['acme 12345', 'x:y}{*?['], ['é🙂', '100%']]) {
      const key = redisKey('tristack', 'semantic-cache', ids, 'index', 'abc');
      expect(parseTaggedKey(key, 'tristack', 'semantic-cache')).toEqual({ ids, tail: 'index:abc' });
    }
    expect(parseTaggedKey('tristack:lease:{a}', 'tristack', 'lease')).toEqual({ ids: ['a'], tail: '' });
  });

  it('returns undefined for keys no driver writes, instead of throwing', () => {
    for (const key of [
      'tristack:lease:{%zz}',
      'tristack:lease:{caf\u00e9}',
      'tristack:lease:{%C3%28}',
      'tristack:lease:{a}x',
      'tristack:lease:{a',
      'tristack:queue:{a}',
    ])
      expect(parseTaggedKey(key, 'tristack', 'lease'), key).toBeUndefined();
  });
});

describe('scanKeys and discoverTaggedKeys', () => {
  it('find every match, bounded, and report foreign keys as undecodable', async () => {
    const names = ['a', 'b c', 'd:e'];
    for (const name of names)
      await redis.client.set(redisKey('tristack', 'circuit-breaker', name, 'state'), '1');
    await redis.client.set('tristack:circuit-breaker:{%zz}:state', '1');
    await redis.client.set('tristack:lease:{a}', '1');
    const all = await discoverTaggedKeys(
      redis.client,
      { prefix: 'tristack', primitive: 'circuit-breaker', suffix: ':state' },
      (key) => (key.ids.length === 1 ? key.ids[0] : undefined),
    );
    expect([...all.found].sort()).toEqual([...names].sort());
    expect(all.undecodable).toEqual(['tristack:circuit-breaker:{%zz}:state']);
    expect(all.truncated).toBe(false);
    const bounded = await scanKeys(toRedisConnection(redis.client), 'tristack:circuit-breaker:*', 2);
    expect(bounded).toMatchObject({ truncated: true });
    expect(bounded.keys).toHaveLength(2);
  });

  it('matches a prefix with glob characters literally', async () => {
    await redis.client.set('p*x:lease:{a}', '1');
    await redis.client.set('pyx:lease:{b}', '1');
    expect((await scanKeys(redis.client, `${globEscape('p*x:lease:')}*`)).keys).toEqual(['p*x:lease:{a}']);
  });
});
