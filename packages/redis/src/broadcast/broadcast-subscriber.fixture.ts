// A subscriber process for redis-broadcast.fleet.test.ts. Args: url database prefix subscribers expected.
// Subscribes `subscribers` handlers to channel "fleet" on one RedisBroadcast (one connection),
// says "ready", and once every handler got `expected` messages prints "received <JSON>" and exits.
import { createClient } from 'redis';
import { RedisBroadcast } from './redis-broadcast.js';

const [url, database, prefix, subscribers, expected] = process.argv.slice(2);
const client = createClient({ url, database: Number(database) });
client.on('error', () => {});
await client.connect();
const broadcast = new RedisBroadcast({ client, prefix: prefix! });
const inboxes = Array.from({ length: Number(subscribers) }, () => [] as string[]);
const finish = async () => {
  if (!inboxes.every((inbox) => inbox.length >= Number(expected))) return;
  process.stdout.write(`received ${JSON.stringify(inboxes)}\n`);
  await broadcast.close();
  await client.close();
  process.exit(0);
};
for (const inbox of inboxes)
  await broadcast.subscribe('fleet', (message) => {
    inbox.push(message.message);
    void finish();
  });
process.stdout.write('ready\n');
