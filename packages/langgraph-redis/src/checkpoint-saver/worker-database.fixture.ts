import { createClient, type RedisClientType } from 'redis';
import { afterAll, beforeAll } from 'vitest';
import { currentServer } from '@tristack/testing/redis';

/**
 * A client on this Vitest worker's own logical database (the one `useRedis()` picks) that is NOT
 * flushed between tests: the official checkpointer suite writes in `beforeAll` and reads in
 * later tests. Test files of one worker run one after another, so the database is still ours;
 * it is flushed once before and after the file.
 */
export function useWorkerDatabase(): { readonly client: RedisClientType } {
  const server = currentServer();
  const database = 1 + ((Number(process.env.VITEST_POOL_ID ?? '1') - 1) % 15);
  let client: RedisClientType | undefined;
  beforeAll(async () => {
    client = createClient({ url: server.url, database }) as RedisClientType;
    client.on('error', () => {});
    await client.connect();
    await client.flushDb();
  });
  afterAll(async () => {
    await client?.flushDb();
    await client?.close();
  });
  return {
    get client() {
      if (!client) throw new Error('[tristack] [harness] the worker database is available inside tests only');
      return client;
    },
  };
}
