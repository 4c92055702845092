import { describeTokenStream, readTokenStreamToEnd } from '@tristack/testing/conformance';
import { recordingPool, requiresPostgres, usePostgres } from '@tristack/testing/postgres';
import { beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../migrate.js';
import { PostgresTokenStream } from './postgres-token-stream.js';

describe.runIf(requiresPostgres('PostgresTokenStream'))('PostgresTokenStream', () => {
  const postgres = usePostgres();
  beforeAll(async () => {
    await migrate(postgres.pool, { primitives: ['token-stream'] });
  });

  describeTokenStream('PostgresTokenStream', () => {
    const created: PostgresTokenStream[] = [];
    return {
      create: (options) => {
        const tokens = new PostgresTokenStream({ ...options, pool: postgres.pool });
        created.push(tokens);
        return tokens;
      },
      cleanup: async () => {
        await Promise.all(created.splice(0).map((tokens) => tokens.close()));
        await postgres.pool.query('TRUNCATE tristack.token_streams CASCADE');
      },
    };
  });

  it('writes a batch, a heartbeat and a cancel in one statement each', async () => {
    const pool = recordingPool(postgres.pool);
    const tokens = new PostgresTokenStream({ pool });
    try {
      const writer = await tokens.open('one-trip', { coalesceMs: 0, heartbeatIntervalMs: 0 });
      pool.clear();
      writer.write('a\u0000b');
      await writer.flush();
      expect(pool.statements()).toHaveLength(1);
      pool.clear();
      expect(await tokens.cancel('one-trip', 'stop')).toBe(true);
      expect(pool.statements()).toHaveLength(1);
      await writer.end();
      const { entries } = await readTokenStreamToEnd(tokens, 'one-trip');
      expect(entries.map((entry) => entry.chunk)).toEqual(['a\u0000b']);
    } finally {
      await tokens.close();
    }
  });
});
