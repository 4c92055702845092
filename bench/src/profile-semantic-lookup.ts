/**
 * Where a semantic hit's time goes, against a raw `VSIM` of the same vector (the compare page's
 * semantic-lookup row, taken apart): 10,000 cached 384-dimension entries on a Redis 8 server (one
 * found by `scripts/redis-servers.sh`, or REDIS8_URL), 1,500 lookups one at a time per side, three
 * rounds. Prints p50, the client's CPU per operation (`process.cpuUsage`) and the server's µs per
 * operation by command (`INFO commandstats`: the script's inner commands separately, its own time
 * including them). `--no-guard` runs the lookups without the near-miss guard.
 *
 *   pnpm build && cd bench && node --import tsx src/profile-semantic-lookup.ts [--no-guard]
 */
import { performance } from 'node:perf_hooks';
import { RedisSemanticCache } from '@tristack/redis';
import { findServerSource, spawnRedisServer } from '@tristack/testing/redis';
import { createClient, type RedisClientType } from 'redis';
import { assertBuiltPackages } from './built-packages.js';
import {
  DIMENSIONS,
  TableEmbedder,
  entryText,
  pool,
  queryText,
  queryVector,
  request,
  unitVector,
} from './benchmarks/semantic-cache.js';

assertBuiltPackages();
const source = findServerSource('redis8');
const spawned = source?.url || !source?.command ? undefined : await spawnRedisServer(source.command);
const url = source?.url ?? spawned?.url;
if (!url) throw new Error('no Redis 8 server (Vector Sets): run scripts/redis-servers.sh');
const client = createClient({ url }) as RedisClientType;
await client.connect();
await client.flushDb();
const size = 10_000;
const entries = new Float32Array(size * DIMENSIONS);
for (let index = 0; index < size; index++) entries.set(unitVector(index + 1), index * DIMENSIONS);
const cache = await RedisSemanticCache.create({
  client,
  embedder: new TableEmbedder(entries),
  embeddingCache: false,
  ttlMs: 3_600_000,
  ...(process.argv.includes('--no-guard') ? { guard: false as const } : {}),
});
await pool(size, 64, (index) =>
  cache.store(request('cmp', entryText(index)), { content: `answer ${index}` }),
);
let vectors = '';
for await (const keys of client.scanIterator({ MATCH: '*vectors*', COUNT: 1000 }))
  vectors = keys.find((key) => !key.includes('embedding')) ?? vectors;

async function serverPerOperation(operations: number): Promise<string> {
  const info = await client.info('commandstats');
  return [...info.matchAll(/cmdstat_(\w+):calls=(\d+),usec=(\d+)/g)]
    .filter(([, name]) => name !== 'config' && name !== 'info')
    .map(([, name, calls, usec]) => {
      const perOperation = (Number(calls) / operations).toFixed(2);
      return `${name} ${(Number(usec) / operations).toFixed(1)} µs ×${perOperation}`;
    })
    .join(', ');
}

const operations = 1500;
const sides = {
  'Tristack lookup': async (index: number) => {
    const result = await cache.lookup(request('cmp', queryText(index)));
    if (!result.hit) throw new Error(`lookup ${index} missed`);
  },
  'raw VSIM': async (index: number) => {
    const blob = Buffer.from(queryVector(entries, index).buffer);
    await client.sendCommand(['VSIM', vectors, 'FP32', blob, 'WITHSCORES', 'COUNT', '4']);
  },
};
for (let round = 0; round < 3; round++) {
  for (const [name, run] of Object.entries(sides)) {
    await client.configResetStat();
    const times: number[] = [];
    const cpu = process.cpuUsage();
    for (let operation = 0; operation < operations; operation++) {
      const started = performance.now();
      await run((operation * 7 + round * 1000) % size);
      times.push(performance.now() - started);
    }
    const { user, system } = process.cpuUsage(cpu);
    times.sort((left, right) => left - right);
    const p50 = times[operations / 2]!.toFixed(3);
    const clientCpu = ((user + system) / operations).toFixed(0);
    console.log(
      `${name}: p50 ${p50} ms, client CPU ${clientCpu} µs/op; server: ${await serverPerOperation(operations)}`,
    );
  }
}
await client.flushDb();
await client.quit();
await spawned?.stop();
