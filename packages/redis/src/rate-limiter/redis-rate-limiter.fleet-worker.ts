/**
 * One process of the fleet tests (redis-rate-limiter.fleet.test.ts): connects to the server the
 * parent names, then runs each task line it reads on stdin and prints one JSON line per task.
 * Not part of the package's API.
 *
 * argv: <redis url> <database> | --cluster <url,url,…>
 */
import { createInterface } from 'node:readline';
import { createClient, createCluster } from 'redis';
import type { RateLimitCost, RateLimitKey } from '@tristack/core';
import { RedisRateLimiter, type RedisRateLimiterOptions } from './redis-rate-limiter.js';

export interface FleetTask {
  id: string;
  limiter: Omit<RedisRateLimiterOptions, 'client'>;
  /** Keys to call with, picked round-robin per call. */
  keys: RateLimitKey[];
  calls: number;
  concurrency: number;
  /** Costs per call, cycled; `null` entries mean the default cost. */
  costs: (RateLimitCost | null)[];
  /** After the calls, keep calling with this cost until denied: fills a budget exactly. */
  fillWith?: RateLimitCost;
}

export interface FleetReport {
  id: string;
  /** Admitted calls, and the sum of each unit they were charged, per key (JSON of the key). */
  admitted: Record<string, { calls: number; charged: Record<string, number> }>;
  denied: number;
  /** Calls the failure policy answered (Redis slower than the timeout). */
  unavailable: number;
  /** Set when the task threw: the parent fails the test with it. */
  error?: string;
}

async function connect(argv: string[]) {
  if (argv[0] === '--cluster') {
    const cluster = createCluster({ rootNodes: argv[1]!.split(',').map((url) => ({ url })) });
    cluster.on('error', () => {});
    await cluster.connect();
    return { client: cluster, close: () => cluster.close() };
  }
  const client = createClient({ url: argv[0], database: Number(argv[1]) });
  client.on('error', () => {});
  await client.connect();
  return { client, close: () => client.close() };
}

async function run(
  client: Awaited<ReturnType<typeof connect>>['client'],
  task: FleetTask,
): Promise<FleetReport> {
  const limiter = new RedisRateLimiter({ ...task.limiter, client });
  const report: FleetReport = { id: task.id, admitted: {}, denied: 0, unavailable: 0 };
  const record = (
    key: RateLimitKey,
    charged: readonly { scope: string; unit: string; charged: number }[],
  ) => {
    const entry = (report.admitted[JSON.stringify(key)] ??= { calls: 0, charged: {} });
    entry.calls++;
    for (const rule of charged) {
      const unit = `${rule.scope}/${rule.unit}`;
      entry.charged[unit] = (entry.charged[unit] ?? 0) + rule.charged;
    }
  };
  let next = 0;
  const worker = async () => {
    while (next < task.calls) {
      const index = next++;
      const key = task.keys[index % task.keys.length]!;
      const cost = task.costs[index % task.costs.length];
      const result = await limiter.limit(key, cost === null || cost === undefined ? undefined : { cost });
      if (result.reason === 'store-unavailable') report.unavailable++;
      if (result.allowed) record(key, result.rules);
      else report.denied++;
    }
  };
  await Promise.all(Array.from({ length: task.concurrency }, worker));
  if (task.fillWith !== undefined) {
    for (let attempt = 0; attempt < 100_000; attempt++) {
      const key = task.keys[0]!;
      const result = await limiter.limit(key, { cost: task.fillWith });
      if (!result.allowed) break;
      record(key, result.rules);
    }
  }
  return report;
}

const { client, close } = await connect(process.argv.slice(2));
process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim()) continue;
  const task = JSON.parse(line) as FleetTask;
  const report = await run(client, task).catch((error: unknown): FleetReport => ({
    id: task.id,
    admitted: {},
    denied: 0,
    unavailable: 0,
    error: String(error),
  }));
  process.stdout.write(`${JSON.stringify(report)}\n`);
}
await close();
