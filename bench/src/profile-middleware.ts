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
import { HumanMessage } from '@langchain/core/messages';
import { productionMiddleware, type ProductionMiddlewareOptions } from '@tristack/langchain';
import {
  RedisAuditLog,
  RedisCircuitBreaker,
  RedisConversationMemory,
  RedisRateLimiter,
  RedisSemanticCache,
} from '@tristack/redis';
import { createAgent } from 'langchain';
import { createClient } from 'redis';
import { assertBuiltPackages } from './built-packages.js';
import { InstantModel } from './compare-middleware.js';

const PARTS = ['audit', 'memory', 'cache', 'limiter', 'breaker'] as const;
const which = process.argv[2] ?? 'full';
const turns = Number(process.argv[3] ?? 3000);
if (which !== 'full' && which !== 'none' && !(PARTS as readonly string[]).includes(which))
  throw new Error(`[bench] profile-middleware: unknown stack ${which} (full, none, ${PARTS.join(', ')})`);
const parts = which === 'full' ? PARTS : which === 'none' ? [] : [which];

assertBuiltPackages();
const client = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
await client.connect();
const prefix = `tristack-profile-${process.pid}`;
const base = { client, prefix };
// One part alone runs without retry and telemetry, as the compare page's per-middleware rows.
const options: ProductionMiddlewareOptions = which === 'full' ? {} : { retry: false, telemetry: false };
if (parts.includes('audit')) options.auditLog = new RedisAuditLog(base);
if (parts.includes('memory')) options.memory = new RedisConversationMemory(base);
if (parts.includes('cache')) options.cache = await RedisSemanticCache.create(base);
if (parts.includes('limiter'))
  options.limiter = new RedisRateLimiter({
    ...base,
    limits: [{ name: 'rpm', algorithm: 'sliding-window', limit: 1_000_000_000, windowMs: 60_000 }],
  });
const breaker = parts.includes('breaker') ? new RedisCircuitBreaker(base) : undefined;
if (breaker) options.breaker = breaker;

const agent = createAgent({
  model: new InstantModel(),
  ...(parts.length > 0 ? { middleware: productionMiddleware(options) } : {}),
});
const invoke = (index: number) =>
  agent.invoke(
    { messages: [new HumanMessage(`question number ${index}`)] },
    { context: { tenantId: `tenant-${index % 16}`, userId: `user-${index % 100}`, conversationId: 'c' } },
  );

for (let index = 0; index < 300; index++) await invoke(index);
const times: number[] = [];
for (let index = 0; index < turns; index++) {
  const started = performance.now();
  await invoke(1000 + index);
  times.push(performance.now() - started);
}
times.sort((a, b) => a - b);
console.log(`${which}: p50 ${times[Math.floor(turns / 2)]!.toFixed(3)} ms over ${turns} turns`);
await breaker?.close();
for await (const keys of client.scanIterator({ MATCH: `${prefix}:*`, COUNT: 1000 }))
  if (keys.length > 0) await client.unlink(keys);
await client.quit();
