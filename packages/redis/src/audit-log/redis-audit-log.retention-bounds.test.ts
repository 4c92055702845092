import { InvalidInputError, InvalidOptionsError } from '@tristack/core';
import { snapshotKeys, useRedis } from '@tristack/testing/redis';
import { describe, expect, it } from 'vitest';
import { RedisAuditLog } from './redis-audit-log.js';

// `retentionMs` and `trim({ before })` reach XTRIM / XADD MINID through the scripts: a value out of
// range is refused before anything runs, and the log is left exactly as it was.
const redis = useRedis();

/** The documented bounds (`auditLogOptionsSchema`, `auditTrimOptionsSchema`). */
const MAX_RETENTION_MS = 2 ** 47;
const MAX_TIMESTAMP_MS = 8_640_000_000_000_000;

async function logWithEvents(): Promise<RedisAuditLog> {
  const log = new RedisAuditLog({ client: redis.client });
  for (let index = 0; index < 3; index += 1)
    await log.record({ type: 'cache.miss', tenantId: 'acme', userId: 'alice', data: { cache: 'c' } });
  return log;
}

describe('RedisAuditLog retention and trim bounds', () => {
  it.each([Number.NaN, Infinity, -Infinity, 0, -1, 1.5, MAX_RETENTION_MS + 1, 2 ** 53, 1e308, '60000'])(
    'rejects retentionMs %s with InvalidOptionsError, changing nothing',
    async (retentionMs) => {
      await logWithEvents();
      const before = await snapshotKeys(redis.client);
      expect(() => new RedisAuditLog({ client: redis.client, retentionMs: retentionMs as number })).toThrow(
        InvalidOptionsError,
      );
      expect(await snapshotKeys(redis.client)).toEqual(before);
    },
  );

  it.each([Number.NaN, Infinity, -Infinity, -1, 1.5, MAX_TIMESTAMP_MS + 1, 2 ** 53, 1e308, '0'])(
    'rejects trim({ before: %s }) with InvalidInputError, changing nothing',
    async (cutoff) => {
      const log = await logWithEvents();
      const before = await snapshotKeys(redis.client);
      const error = await log.trim('acme', { before: cutoff as number }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect(await snapshotKeys(redis.client)).toEqual(before);
    },
  );

  it('takes the bounds themselves: 2^47 ms of retention, and the last valid timestamp as `before`', async () => {
    const kept = new RedisAuditLog({ client: redis.client, retentionMs: MAX_RETENTION_MS });
    await kept.record({ type: 'cache.miss', tenantId: 'acme', data: { cache: 'c' } });
    const log = await logWithEvents();
    expect((await log.head('acme')).sequence).toBe(4);
    const trimmed = await log.trim('acme', { before: MAX_TIMESTAMP_MS });
    expect(trimmed.removed).toBe(4);
    expect((await log.verify('acme')).valid).toBe(true);
  });
});
