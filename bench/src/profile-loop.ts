/**
 * One hot loop at 50 in flight, for a CPU profile against its peer's loop:
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/profile/xadd --import tsx src/profile-loop.ts audit-xadd 20000
 *   node --cpu-prof --cpu-prof-dir=/tmp/profile/record --import tsx src/profile-loop.ts audit-record 20000
 *   npx tsx src/profile-summary.ts /tmp/profile/xadd /tmp/profile/record 22000
 *
 * Loops: `audit-record` (RedisAuditLog.record with the four default indexes, one tenant; with
 * AUDIT_INDEXES=user, say, its events carry no conversation or run, so only the type and user
 * indexes are written) and
 * `audit-xadd` (a plain XADD of the same fields), `limiter-ioredis` (RedisRateLimiter.limit on
 * ioredis, one sliding-window rule, hot key), `rlf-ioredis` (rate-limiter-flexible's consume),
 * `limiter-node-redis` (the same limiter on node-redis) and `evalsha-node-redis` (node-redis's
 * `EVALSHA` of `return 1`: the floor the benchmark page holds that limiter to),
 * `memory-append` (RedisConversationMemory.append of one message over 100 conversations) and
 * `lc-add-message` (`@langchain/redis` addMessage: a bare LPUSH).
 * Prints ops/s and the server's µs per operation (INFO commandstats: the scripts' time, which
 * includes the commands they run; for the plain XADD, every command's). 2,000 warm-up
 * operations are not measured. Built packages (`pnpm build` at the root first), a local Redis
 * (REDIS_URL, default redis://127.0.0.1:6379), used by nothing else meanwhile; keys carry a
 * prefix of this process, deleted at the end.
 */
import { HumanMessage } from '@langchain/core/messages';
import { RedisChatMessageHistory } from '@langchain/redis';
import { RedisAuditLog, RedisConversationMemory, RedisRateLimiter } from '@tristack/redis';
import { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { createClient } from 'redis';
import { assertBuiltPackages } from './built-packages.js';

const LOOPS = [
  'audit-record',
  'audit-xadd',
  'limiter-ioredis',
  'rlf-ioredis',
  'limiter-node-redis',
  'evalsha-node-redis',
  'memory-append',
  'lc-add-message',
] as const;
const which = process.argv[2] as (typeof LOOPS)[number];
const operations = Number(process.argv[3] ?? 20_000);
if (!LOOPS.includes(which))
  throw new Error(`usage: tsx src/profile-loop.ts <${LOOPS.join(' | ')}> [operations]`);

assertBuiltPackages();
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const client = createClient({ url });
await client.connect();
const io = new Redis(url);
const prefix = `tristack-profile-${process.pid}`;
// The audit record's indexes besides its type's (AUDIT_INDEXES=user,conversation,run by default):
// fewer ids, fewer index streams written per record.
const INDEXES = new Set((process.env.AUDIT_INDEXES ?? 'user,conversation,run').split(',').filter(Boolean));
const DATA = { tool: 'Gmail.SendEmail', outcome: 'success' as const, durationMs: 412 };
const audit = new RedisAuditLog({ client, prefix });
const SLIDING = { name: 'rpm', algorithm: 'sliding-window', limit: 1_000_000_000, windowMs: 60_000 } as const;
const limiter = new RedisRateLimiter({ client: io, prefix, name: 'loop', limits: [SLIDING] });
const limiterNode = new RedisRateLimiter({ client, prefix, name: 'loop-node', limits: [SLIDING] });
const trivialSha = String(await client.sendCommand(['SCRIPT', 'LOAD', 'return 1']));
const flexible = new RateLimiterRedis({
  storeClient: io,
  keyPrefix: prefix,
  points: 1_000_000_000,
  duration: 60,
});
const memory = new RedisConversationMemory({ client, prefix, ttlMs: 3_600_000 });
const TEXT = 'What changed in the quarterly report since last week, and who approved it?';
const histories = Array.from(
  { length: 100 },
  (_, index) => new RedisChatMessageHistory({ sessionId: `${prefix}:lc:${index}`, client }),
);
const run: Record<(typeof LOOPS)[number], (index: number) => Promise<unknown>> = {
  'audit-record': (index) =>
    audit.record({
      type: 'tool.call.executed',
      tenantId: 'loop',
      ...(INDEXES.has('user') ? { userId: `user-${index % 100}` } : {}),
      ...(INDEXES.has('user') && INDEXES.has('conversation')
        ? { conversationId: `conversation-${index % 1000}` }
        : {}),
      ...(INDEXES.has('run') ? { runId: `run-${index % 5000}` } : {}),
      data: DATA,
    }),
  'audit-xadd': () =>
    client.sendCommand([
      'XADD',
      `${prefix}:xadd`,
      '*',
      'layer',
      'tool',
      'type',
      'tool.call.executed',
      'data',
      JSON.stringify(DATA),
    ]),
  'limiter-ioredis': () => limiter.limit('hot'),
  'rlf-ioredis': () => flexible.consume('hot'),
  'limiter-node-redis': () => limiterNode.limit('hot'),
  'evalsha-node-redis': () => client.sendCommand(['EVALSHA', trivialSha, '1', `${prefix}:floor`, '1']),
  'memory-append': (index) =>
    memory.append({ userId: `u${index % 100}`, conversationId: 'c' }, [{ role: 'user', content: TEXT }]),
  'lc-add-message': (index) => histories[index % 100]!.addMessage(new HumanMessage(TEXT)),
};

async function loop(count: number, offset: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (next < count) await run[which](offset + next++);
    }),
  );
}

/** Server µs so far: of scripts (whose time includes the commands they run), else of every command but INFO. */
async function serverMicroseconds(): Promise<{ scripts: number; all: number }> {
  const totals = { scripts: 0, all: 0 };
  for (const match of (await client.info('commandstats')).matchAll(
    /^cmdstat_([^:]+):calls=\d+,usec=(\d+)/gm,
  )) {
    if (match[1] === 'info') continue;
    totals.all += Number(match[2]);
    if (match[1] === 'eval' || match[1] === 'evalsha') totals.scripts += Number(match[2]);
  }
  return totals;
}

await loop(2000, 0);
const serverBefore = await serverMicroseconds();
const started = performance.now();
await loop(operations, 2000);
const seconds = (performance.now() - started) / 1000;
const serverAfter = await serverMicroseconds();
const server =
  serverAfter.scripts > serverBefore.scripts
    ? serverAfter.scripts - serverBefore.scripts
    : serverAfter.all - serverBefore.all;
console.log(
  `${which}: ${(operations / seconds).toFixed(0)}/s, server ${(server / operations).toFixed(1)} µs per operation`,
);
for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 }))
  if (keys.length > 0) await client.unlink(keys);
io.disconnect();
await client.quit();
