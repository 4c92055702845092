/**
 * One process of the fleet test: a RedisCircuitBreaker on the test's server, driven by JSON
 * lines on stdin, answering with JSON lines on stdout. Started by `redis-circuit-breaker.fleet.test.ts`.
 */
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient, type RedisClientType } from 'redis';
import type { CircuitPermit } from '@tristack/core';
import { RedisCircuitBreaker } from './redis-circuit-breaker.js';

const { FLEET_REDIS_URL, FLEET_REDIS_DATABASE, FLEET_PREFIX, FLEET_POLICY, FLEET_WORKER } = process.env;
const client = createClient({
  url: FLEET_REDIS_URL,
  database: Number(FLEET_REDIS_DATABASE),
}) as RedisClientType;
client.on('error', () => {});
await client.connect();
const breaker = new RedisCircuitBreaker({
  ...(JSON.parse(FLEET_POLICY ?? '{}') as object),
  client,
  prefix: FLEET_PREFIX!,
  instanceId: `worker-${FLEET_WORKER}`,
});
const held: CircuitPermit[] = [];
const reply = (message: object) => process.stdout.write(`${JSON.stringify(message)}\n`);

type Command =
  | { op: 'ready' }
  | { op: 'fail'; name: string; count: number }
  | { op: 'watch'; name: string; timeoutMs: number }
  | { op: 'probe'; name: string; attempts: number }
  | { op: 'settle'; status: 'success' | 'failure' | 'ignored' }
  | { op: 'recover'; name: string; timeoutMs: number };

async function handle(command: Command): Promise<object> {
  switch (command.op) {
    case 'ready':
      return { subscribed: await breaker.subscribed() };
    case 'fail': {
      let rejected = 0;
      for (let index = 0; index < command.count; index++) {
        await breaker
          .execute(command.name, () => {
            throw new Error('dependency down');
          })
          .catch((error: { code?: string }) => {
            if (error.code === 'CIRCUIT_OPEN') rejected += 1;
          });
      }
      return { rejected };
    }
    case 'watch': {
      // Polls like a busy worker would call: the first rejection's local time is the answer.
      const deadline = Date.now() + command.timeoutMs;
      while (Date.now() < deadline) {
        const admission = await breaker.acquire(command.name);
        if (!admission.admitted) return { rejectedAt: Date.now(), reason: admission.reason };
        await breaker.record(admission.permit, { status: 'ignored' });
        await sleep(2);
      }
      return { rejectedAt: null };
    }
    case 'probe': {
      let admitted = 0;
      for (let index = 0; index < command.attempts; index++) {
        const admission = await breaker.acquire(command.name);
        if (admission.admitted) {
          held.push(admission.permit);
          admitted += 1;
        }
      }
      return { admitted, probes: held.filter((permit) => permit.probeToken !== undefined).length };
    }
    case 'settle': {
      const permits = held.splice(0);
      await Promise.all(permits.map((permit) => breaker.record(permit, { status: command.status })));
      return { settled: permits.length };
    }
    case 'recover': {
      // Keeps asking until this worker gets a probe slot, then reports success.
      const deadline = Date.now() + command.timeoutMs;
      while (Date.now() < deadline) {
        const admission = await breaker.acquire(command.name);
        if (admission.admitted) {
          await breaker.record(admission.permit, { status: 'success' });
          return { recoveredAt: Date.now(), state: admission.state };
        }
        await sleep(20);
      }
      return { recoveredAt: null };
    }
  }
}

for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  const { id, ...command } = JSON.parse(line) as Command & { id: number };
  handle(command as Command).then(
    (result) => reply({ id, ok: true, ...result }),
    (error: Error) => reply({ id, ok: false, error: String(error?.stack ?? error) }),
  );
}
await breaker.close();
await client.close();
