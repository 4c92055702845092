/**
 * One worker process of with-conversation-lease.fleet.test.ts: a leased graph on the test's Redis.
 * stdin "go <policy>" runs the thread once; the node prints "started <token>" and waits for a
 * "release" line; the run prints "done <token>" or "busy".
 */
import { createInterface } from 'node:readline';
import { HumanMessage } from '@langchain/core/messages';
import { TristackError } from '@tristack/core';
import { RedisConversationLease } from '@tristack/redis';
import { createClient } from 'redis';
import { withConversationLease, type ConversationLeasePolicy } from './with-conversation-lease.js';
import { leaseGraph } from './lease-graph.fixture.js';

const { FLEET_REDIS_URL, FLEET_REDIS_DATABASE, FLEET_PREFIX, FLEET_THREAD } = process.env;
const client = createClient({ url: FLEET_REDIS_URL, database: Number(FLEET_REDIS_DATABASE) });
client.on('error', () => {});
await client.connect();
const print = (line: string) => process.stdout.write(`${line}\n`);
const releases: (() => void)[] = [];
const record = (entry: string) => client.rPush(`${FLEET_PREFIX}:lease-log`, entry).then(() => undefined);

const graph = leaseGraph({
  onStart: async (token) => {
    await record(`start ${String(token)}`);
    print(`started ${String(token)}`);
    await new Promise<void>((resolve) => releases.push(resolve));
  },
  onEnd: (token) => record(`end ${String(token)}`),
});
const lease = new RedisConversationLease({ client, prefix: FLEET_PREFIX! });

const lines = createInterface({ input: process.stdin });
print('ready');
for await (const line of lines) {
  const [command, policy] = line.split(' ');
  if (command === 'release') releases.shift()?.();
  if (command === 'quit') break;
  if (command !== 'go') continue;
  const leased = withConversationLease(graph, lease, {
    policy: policy as ConversationLeasePolicy,
    waitMs: 20_000,
  });
  leased
    .invoke({ messages: [new HumanMessage('hi')] }, { configurable: { thread_id: FLEET_THREAD } })
    .then((output) => print(`done ${String(output.messages.at(-1)?.text)}`))
    .catch((error: unknown) =>
      print(TristackError.hasCode(error, 'LEASE_BUSY') ? 'busy' : `error ${(error as Error).stack}`),
    );
}
await client.close();
