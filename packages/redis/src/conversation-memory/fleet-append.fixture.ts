// A fleet worker for redis-conversation-memory.fleet.test.ts: connects, says "ready", waits for
// "go" on stdin, appends its messages one call at a time, says "done".
import { createClient } from 'redis';
import { RedisConversationMemory } from './redis-conversation-memory.js';

const [url, database, writer, count, userId] = process.argv.slice(2);
const client = createClient({ url, database: Number(database) });
client.on('error', () => {});
await client.connect();
const memory = new RedisConversationMemory({ client, maxMessages: 100_000 });
const address = { userId: userId!, conversationId: 'shared' };
process.stdout.write('ready\n');
process.stdin.once('data', async () => {
  for (let index = 0; index < Number(count); index++)
    await memory.append(address, [{ role: 'user', content: `${writer}:${index}` }]);
  process.stdout.write('done\n');
  await client.close();
  process.exit(0);
});
