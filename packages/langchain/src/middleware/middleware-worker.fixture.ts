/**
 * The other process of middleware.fleet.test.ts, on the test's Redis:
 *   open-breaker <name>: fails calls through a RedisCircuitBreaker until `name` is open, prints "opened".
 *   remember <tenant> <user> <conversation> <text>: one agent turn with memoryMiddleware, prints "remembered".
 */
import { AIMessage, HumanMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import { RedisCircuitBreaker, RedisConversationMemory } from '@tristack/redis';
import { createAgent } from 'langchain';
import { createClient } from 'redis';
import { memoryMiddleware } from './memory-middleware.js';

const { FLEET_REDIS_URL, FLEET_REDIS_DATABASE, FLEET_PREFIX } = process.env;
const client = createClient({ url: FLEET_REDIS_URL, database: Number(FLEET_REDIS_DATABASE) });
client.on('error', () => {});
await client.connect();
const base = { client, prefix: FLEET_PREFIX! };
const [command, ...args] = process.argv.slice(2);

if (command === 'open-breaker') {
  const breaker = new RedisCircuitBreaker({
    ...base,
    consecutiveFailures: 1,
    failureRateThreshold: null,
    openMs: 60_000,
  });
  const failure = Object.assign(new Error('provider answered 503'), { status: 503 });
  await breaker.execute(args[0]!, () => Promise.reject(failure)).catch(() => {});
  process.stdout.write(`opened ${(await breaker.getState(args[0]!)).state}\n`);
  await breaker.close();
} else if (command === 'remember') {
  const [tenantId, userId, conversationId, text] = args;
  const agent = createAgent({
    model: fakeModel().respond(new AIMessage('Nice to meet you, Ada.')),
    middleware: [memoryMiddleware({ memory: new RedisConversationMemory(base) })],
  });
  await agent.invoke(
    { messages: [new HumanMessage(text!)] },
    { context: { tenantId, userId, conversationId } },
  );
  process.stdout.write('remembered\n');
}
await client.close();
