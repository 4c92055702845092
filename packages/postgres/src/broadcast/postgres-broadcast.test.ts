import { type BroadcastMessage } from '@tristack/core';
import { describeBroadcast, untilPasses } from '@tristack/testing/conformance';
import { recordingPool, requiresPostgres, usePostgres } from '@tristack/testing/postgres';
import { beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../migrate.js';
import { PostgresBroadcast } from './postgres-broadcast.js';

describe.runIf(requiresPostgres('PostgresBroadcast'))('PostgresBroadcast', () => {
  const postgres = usePostgres();
  beforeAll(async () => {
    await migrate(postgres.pool, { primitives: ['broadcast'] });
  });

  describeBroadcast('PostgresBroadcast', () => ({
    create: (options) => new PostgresBroadcast({ ...options, pool: postgres.pool }),
  }));

  it('publishes in one statement, and carries messages past NOTIFY’s 8000 bytes in order', async () => {
    const pool = recordingPool(postgres.pool);
    const publisher = new PostgresBroadcast({ pool });
    const subscriber = new PostgresBroadcast({ pool: postgres.pool });
    try {
      const inbox: BroadcastMessage[] = [];
      await subscriber.subscribe({ pattern: 'big:*' }, (message) => {
        inbox.push(message);
      });
      const large = `ü${'x'.repeat(20_000)}\u0000end`;
      pool.clear();
      await publisher.publish('big:1', 'small');
      await publisher.publish('big:1', large);
      await publisher.publish('big:2', 'after');
      expect(pool.statements()).toHaveLength(3);
      await untilPasses(() => expect(inbox).toHaveLength(3));
      expect(inbox.map((message) => message.message)).toEqual(['small', large, 'after']);
      expect(inbox[1]).toMatchObject({ channel: 'big:1', pattern: 'big:*' });
    } finally {
      await Promise.all([publisher.close(), subscriber.close()]);
    }
  });
});
