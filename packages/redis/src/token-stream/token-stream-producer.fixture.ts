// A producer process for redis-token-stream.fleet.test.ts. Args: url database streamId mode count.
// mode "all":     writes `count` chunks ("<index>,") in bursts, ends the stream, says "done".
// mode "hang":    writes `count` chunks, flushes, says "flushed", then only heartbeats (until killed).
// mode "forever": writes a chunk every millisecond, says "writing" after the first flush (until killed).
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'redis';
import { RedisTokenStream } from './redis-token-stream.js';

const [url, database, streamId, mode, count] = process.argv.slice(2);
const client = createClient({ url, database: Number(database) });
client.on('error', () => {});
await client.connect();
const tokens = new RedisTokenStream({ client, heartbeatIntervalMs: 100, heartbeatTimeoutMs: 1_000 });
const writer = await tokens.open(streamId!);
process.stdout.write('opened\n');

if (mode === 'all') {
  for (let index = 0; index < Number(count); index++) {
    await writer.write(`${index},`);
    // Bursts and pauses, so readers catch up, fall behind and reconnect mid-stream.
    if (index % 250 === 0) await sleep(2);
  }
  await writer.end();
  process.stdout.write('done\n');
  await client.close();
} else if (mode === 'hang') {
  for (let index = 0; index < Number(count); index++) await writer.write(`${index},`);
  await writer.flush();
  process.stdout.write('flushed\n');
  // Stay alive (heartbeats only) until the test kills this process.
  setInterval(() => {}, 1_000);
} else {
  for (let index = 0; ; index++) {
    await writer.write(`${index},`);
    if (index === 10) {
      await writer.flush();
      process.stdout.write('writing\n');
    }
    await sleep(1);
  }
}
