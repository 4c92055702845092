import { InvalidInputError } from '@tristack/core';
import { snapshotKeys, useRedis } from '@tristack/testing/redis';
import { describe, expect, it } from 'vitest';
import { RedisAuditLog } from './redis-audit-log.js';

const redis = useRedis();

const MAX_PART = '18446744073709551615';

describe('RedisAuditLog.query cursor bounds', () => {
  it.each([
    { cursor: '99999999999999999999999-0', order: 'asc' },
    { cursor: '18446744073709551616-0', order: 'asc' },
    { cursor: '0-18446744073709551616', order: 'desc' },
    { cursor: '000000000000000000001-0', order: 'asc' },
    { cursor: `${MAX_PART}-${MAX_PART}`, order: 'asc' },
    { cursor: '0-0', order: 'desc' },
    { cursor: 'abc-def', order: 'asc' },
    { cursor: '1e3-0', order: 'asc' },
  ] as const)('rejects $cursor ($order) with a typed error, before Redis is asked', async (query) => {
    for (const filter of [{}, { userId: 'u' }]) {
      const log = new RedisAuditLog({ client: redis.client });
      await log.record({ type: 'cache.hit', userId: 'u', data: {} });
      const before = await snapshotKeys(redis.client);
      const error = await log.query({ ...query, ...filter }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect(await snapshotKeys(redis.client)).toEqual(before);
    }
  });

  it('still pages with the cursors it returns, in both orders', async () => {
    const log = new RedisAuditLog({ client: redis.client });
    for (let index = 0; index < 3; index += 1) await log.record({ type: 'cache.hit', data: { index } });
    for (const order of ['asc', 'desc'] as const) {
      const seen: unknown[] = [];
      let cursor: string | undefined;
      do {
        const page = await log.query({ order, limit: 1, ...(cursor ? { cursor } : {}) });
        seen.push(...page.events.map((event) => event.data));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toHaveLength(3);
    }
  });
});
