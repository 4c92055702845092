/**
 * The other process of resumable-ui-message-stream.fleet.test.ts, on the test's Redis:
 *   stop <tenantId> <userId> <chatId>: stops that user's current stream of the chat from here, prints "stopped <true|false>".
 */
import { RedisConversationMemory, RedisTokenStream } from '@tristack/redis';
import { createClient } from 'redis';
import { stopUIMessageStream } from './resumable-ui-message-stream.js';

const { FLEET_REDIS_URL, FLEET_REDIS_DATABASE, FLEET_PREFIX } = process.env;
const client = createClient({ url: FLEET_REDIS_URL, database: Number(FLEET_REDIS_DATABASE) });
client.on('error', () => {});
await client.connect();
const [command, tenantId, userId, chatId] = process.argv.slice(2);
if (command === 'stop') {
  const tokens = new RedisTokenStream({ client, prefix: FLEET_PREFIX! });
  const pointers = new RedisConversationMemory({ client, prefix: FLEET_PREFIX! });
  const stopped = await stopUIMessageStream(tokens, {
    chatId: chatId!,
    pointers,
    identity: { tenantId: tenantId!, userId: userId! },
    reason: 'user pressed stop',
  });
  process.stdout.write(`stopped ${stopped}\n`);
}
await client.quit();
