import { createClient } from 'redis';
import { spawnRedisServer } from '@tristack/testing/redis';
import { countVisit } from './count-visit.js';

// Uses REDIS_URL when set; otherwise starts a throwaway redis-server on a free loopback port.
const server = process.env.REDIS_URL
  ? undefined
  : await spawnRedisServer(process.env.TRISTACK_REDIS_SERVER ?? 'redis-server');
const url = process.env.REDIS_URL ?? server!.url;
console.log(
  `Tristack minimal example — Redis at ${url}${server ? ' (started for this run)' : ' (REDIS_URL)'}`,
);
const client = createClient({ url });
await client.connect();
try {
  for (const user of ['alice', 'alice', 'bob{evil}*']) {
    console.log(`${user}: visit ${await countVisit(client, user)}`);
  }
  console.log('keys:', (await client.keys('tristack:example:*')).sort().join(', '));
} finally {
  await client.close();
  await server?.stop();
}
