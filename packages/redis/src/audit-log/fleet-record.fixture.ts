// A fleet worker for redis-audit-log.fleet.test.ts: connects, says "ready", waits for "go" on
// stdin, records its events into one tenant with 16 calls in flight (each awaited), says "done".
import { createClient } from 'redis';
import { RedisAuditLog } from './redis-audit-log.js';

const [url, database, writer, count] = process.argv.slice(2);
const client = createClient({ url, database: Number(database) });
client.on('error', () => {});
await client.connect();
const log = new RedisAuditLog({ client, defaultTenantId: 'fleet' });
process.stdout.write('ready\n');
process.stdin.once('data', async () => {
  let next = 0;
  const lane = async () => {
    for (let index = next++; index < Number(count); index = next++) {
      await log.record({
        type: 'tool.call.executed',
        userId: `user-${writer}`,
        conversationId: `conversation-${index % 7}`,
        data: {
          tool: 'Search.Web',
          executionId: `${writer}:${index}`,
          durationMs: index % 50,
          outcome: 'success',
        },
      });
    }
  };
  await Promise.all(Array.from({ length: 16 }, lane));
  process.stdout.write('done\n');
  await client.close();
  process.exit(0);
});
