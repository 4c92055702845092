/**
 * One agent, turns one at a time, for a CPU profile of where a turn's time goes:
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/profile/full --import tsx src/profile-middleware.ts full 3000
 *   node --cpu-prof --cpu-prof-dir=/tmp/profile/none … src/profile-middleware.ts none 3000
 *   tsx src/profile-summary.ts /tmp/profile/none /tmp/profile/full 3300
 *
 * `full` is productionMiddleware with every Redis driver (as the compare page's middleware rows),
 * `none` the bare agent, or one part alone (`audit`, `memory`, `cache`, `limiter`, `breaker`).
 * It runs the built packages (`pnpm build` at the root first; it refuses a stale build), as the
 * benchmarks do. Redis: REDIS_URL (default redis://127.0.0.1:6379); its keys carry a prefix of
 * this process and are deleted at the end. Prints the p50 of the measured turns; 300 warm-up
 * turns are not measured (the summary divides by all turns).
 */
import { productionMiddleware } from '@tristack/langchain';
import type { RedisCircuitBreaker } from '@tristack/redis';
import { createAgent } from 'langchain';
import { createClient, type RedisClientType } from 'redis';
import { assertBuiltPackages } from './built-packages.js';
import { InstantModel, invoke, PARTS, stackOptions, type Part } from './compare-middleware.js';

const which = process.argv[2] ?? 'full';
const turns = Number(process.argv[3] ?? 3000);
if (which !== 'full' && which !== 'none' && !(PARTS as readonly string[]).includes(which))
  throw new Error(`[bench] profile-middleware: unknown stack ${which} (full, none, ${PARTS.join(', ')})`);
const parts: readonly Part[] = which === 'full' ? PARTS : which === 'none' ? [] : [which as Part];

assertBuiltPackages();
const client = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
await client.connect();
const prefix = `tristack-profile-${process.pid}`;
// One part alone runs without retry and telemetry, as the compare page's per-middleware rows.
const options = {
  ...(which === 'full' ? {} : ({ retry: false, telemetry: false } as const)),
  ...(await stackOptions(parts, () => client as RedisClientType, prefix)),
};
const breaker = options.breaker as RedisCircuitBreaker | undefined;

const agent = createAgent({
  model: new InstantModel(),
  ...(parts.length > 0 ? { middleware: productionMiddleware(options) } : {}),
});

for (let index = 0; index < 300; index++) await invoke(agent, index);
const times: number[] = [];
for (let index = 0; index < turns; index++) {
  const started = performance.now();
  await invoke(agent, 1000 + index);
  times.push(performance.now() - started);
}
times.sort((a, b) => a - b);
console.log(`${which}: p50 ${times[Math.floor(turns / 2)]!.toFixed(3)} ms over ${turns} turns`);
await breaker?.close();
for await (const keys of client.scanIterator({ MATCH: `${prefix}:*`, COUNT: 1000 }))
  if (keys.length > 0) await client.unlink(keys);
await client.quit();
