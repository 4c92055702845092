// A fleet worker for redis-conversation-lease.fleet.test.ts.
//   contend <url> <db> <resource> <durationMs> <logKey>: on "go", takes the lease again and again
//     until durationMs passed; inside each turn logs enter/exit with its fencing token.
//   hold <url> <db> <resource> <ttlMs>: holds the lease with a heartbeat until killed.
import { setTimeout as sleep } from 'node:timers/promises';
import { LeaseBusyError } from '@tristack/core';
import { createClient } from 'redis';
import { RedisConversationLease } from './redis-conversation-lease.js';

const [mode, url, database, resource, value, logKey] = process.argv.slice(2);
const client = createClient({ url, database: Number(database) });
client.on('error', () => {});
await client.connect();
const leases = new RedisConversationLease({ client, retryIntervalMs: 5 });

if (mode === 'hold') {
  await leases.run(
    resource!,
    async (lease) => {
      process.stdout.write(`holding ${lease.fencingToken}\n`);
      await new Promise(() => {});
    },
    { ttlMs: Number(value) },
  );
} else {
  process.stdout.write('ready\n');
  process.stdin.once('data', async () => {
    const until = Date.now() + Number(value);
    let turns = 0;
    while (Date.now() < until) {
      let lease;
      try {
        lease = await leases.acquire(resource!, { ttlMs: 2_000, waitMs: 1_000 });
      } catch (error) {
        if (error instanceof LeaseBusyError) continue;
        throw error;
      }
      await client.rPush(logKey!, `enter:${lease.fencingToken}:${process.pid}`);
      await sleep(1 + Math.random() * 5);
      await leases.assertFence(resource!, lease.fencingToken);
      await client.rPush(logKey!, `exit:${lease.fencingToken}:${process.pid}`);
      if (!(await leases.release(lease))) throw new Error('release failed');
      turns++;
      // Step back briefly, so the waiting processes get their turns too.
      await sleep(Math.random() * 4);
    }
    process.stdout.write(`done ${turns}\n`);
    await client.close();
    process.exit(0);
  });
}
