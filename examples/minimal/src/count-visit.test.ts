import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '@tristack/core';
import { useRedis } from '@tristack/testing/redis';
import { countVisit } from './count-visit.js';

const redis = useRedis();

describe('minimal example', () => {
  it('counts per user in one key per user, escaped inside its hash tag', async () => {
    expect(await countVisit(redis.client, 'alice')).toBe(1);
    expect(await countVisit(redis.client, 'alice')).toBe(2);
    expect(await countVisit(redis.client, 'a}b*')).toBe(1);
    expect((await redis.client.keys('*')).sort()).toEqual([
      'tristack:example:{a%7Db%2A}:visits',
      'tristack:example:{alice}:visits',
    ]);
    expect(await redis.client.pTTL('tristack:example:{alice}:visits')).toBeGreaterThan(0);
  });

  it('rejects an empty user id before touching Redis', async () => {
    await expect(countVisit(redis.client, '')).rejects.toBeInstanceOf(InvalidInputError);
    expect(await redis.client.dbSize()).toBe(0);
  });
});
