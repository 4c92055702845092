import { performance } from 'node:perf_hooks';
import { migrate, PostgresJobQueue, PostgresRateLimiter } from '@tristack/postgres';
import { RedisJobQueue, RedisRateLimiter } from '@tristack/redis';
import { Queue, QueueEvents, Worker } from 'bullmq';
import pg from 'pg';
import PgBoss from 'pg-boss';
import { RateLimiterPostgres } from 'rate-limiter-flexible';
import type { Benchmark } from '../benchmark.js';
import { benchPostgres } from '../postgres-source.js';
import type { Case } from '../runner.js';
import { summarize, type Measurement } from '../stats.js';

/** A limit no case reaches: every library admits every call, so all rows measure the same work. */
const UNREACHABLE = 1_000_000_000;
const WORKER_CONCURRENCY = 50;
const DISTINCT_KEYS = 10_000;

interface Row {
  benchCase: Case;
  result(): Measurement;
}

/** Wraps a case so it records its own latencies after the runner's warm-up, for the ratios below. */
function recorded(name: string, warmup: number, run: (index: number) => Promise<unknown>): Row {
  const latencies: number[] = [];
  let calls = 0;
  let first = 0;
  let last = 0;
  return {
    benchCase: {
      name,
      async run(index) {
        const measured = calls++ >= warmup;
        const start = performance.now();
        await run(index);
        if (!measured) return;
        const end = performance.now();
        if (first === 0) first = start;
        last = end;
        latencies.push(end - start);
      },
    },
    result: () => summarize(name, latencies, (last - first) / 1000),
  };
}

/**
 * The PostgreSQL drivers beside the Redis drivers and the Postgres peers, in one run:
 * `limit()` (one sliding-window rule, a hot key and 10,000 keys) on PostgresRateLimiter, RedisRateLimiter and
 * rate-limiter-flexible's RateLimiterPostgres (`consume`); enqueue → completed on
 * PostgresJobQueue, pg-boss 10, RedisJobQueue and BullMQ, one worker of concurrency 50 each.
 * pg-boss has no result channel: its rows end when the handler has run (seen in-process, which
 * favours it); its worker polls (0.5 s, the smallest interval it allows) with batches of 50.
 * Prints NOT RUN when no PostgreSQL is found (`DATABASE_URL`, else the harness's throwaway cluster).
 */
export const postgresBenchmark: Benchmark = {
  name: 'postgres',
  description:
    'PostgreSQL drivers vs Redis drivers and Postgres peers: rate limiter (rate-limiter-flexible RateLimiterPostgres), queue (pg-boss, BullMQ)',
  async setup(context) {
    const source = await benchPostgres();
    if (typeof source === 'string') {
      console.log(`postgres NOT RUN: ${source}`);
      return { cases: [] };
    }
    const admin = new pg.Client({ connectionString: source.url });
    const database = `tristack_bench_${process.pid}`;
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${database}`);
    const url = new URL(source.url);
    url.pathname = `/${database}`;
    const pool = new pg.Pool({ connectionString: url.toString(), max: 20 });
    pool.on('error', () => {});
    await migrate(pool);
    const { warmup } = context.options;

    const rule = { name: 'rpm', algorithm: 'sliding-window', limit: UNREACHABLE, windowMs: 60_000 } as const;
    const postgresLimiter = new PostgresRateLimiter({ pool, name: 'bench-pg', limits: [rule] });
    const redisLimiter = new RedisRateLimiter({
      client: context.client,
      name: 'bench-redis',
      limits: [rule],
    });
    const flexible = await new Promise<RateLimiterPostgres>((resolve, reject) => {
      const limiter: RateLimiterPostgres = new RateLimiterPostgres(
        {
          storeClient: pool,
          tableName: 'rlf_bench',
          points: UNREACHABLE,
          duration: 60,
          clearExpiredByTimeout: false,
        },
        (error?: Error) => (error ? reject(error) : resolve(limiter)),
      );
    });

    const postgresQueue = new PostgresJobQueue({ pool });
    await postgresQueue.process<{ index: number }, number>('tools', (job) => job.payload.index, {
      concurrency: WORKER_CONCURRENCY,
    });
    const redisQueue = new RedisJobQueue({ client: context.client, prefix: 'bench-pg-redis' });
    await redisQueue.process<{ index: number }, number>('tools', (job) => job.payload.index, {
      concurrency: WORKER_CONCURRENCY,
    });
    const bullQueue = new Queue('tools', {
      connection: await context.newClient(),
      prefix: 'bench-pg-bullmq',
    });
    const bullEvents = new QueueEvents('tools', {
      connection: await context.newClient(),
      prefix: 'bench-pg-bullmq',
    });
    const bullWorker = new Worker('tools', async (job) => (job.data as { index: number }).index, {
      connection: await context.newClient(),
      prefix: 'bench-pg-bullmq',
      concurrency: WORKER_CONCURRENCY,
    });
    await Promise.all([bullQueue.waitUntilReady(), bullEvents.waitUntilReady(), bullWorker.waitUntilReady()]);
    bullQueue.setMaxListeners(0);
    bullEvents.setMaxListeners(0);

    const boss = new PgBoss({ connectionString: url.toString(), max: 10 });
    boss.on('error', () => {});
    await boss.start();
    await boss.createQueue('tools');
    const bossWaiters = new Map<number, () => void>();
    await boss.work<{ index: number }>(
      'tools',
      { batchSize: WORKER_CONCURRENCY, pollingIntervalSeconds: 0.5 },
      async (jobs) => {
        for (const job of jobs) bossWaiters.get(job.data.index)?.();
      },
    );

    const rows = {
      floorPg: recorded('floor: node-postgres SELECT 1', warmup, () => pool.query('SELECT 1')),
      postgresLimiter: recorded('tristack PostgresRateLimiter sliding window, hot key', warmup, () =>
        postgresLimiter.limit('hot'),
      ),
      flexiblePostgres: recorded('rate-limiter-flexible RateLimiterPostgres, hot key', warmup, () =>
        flexible.consume('hot'),
      ),
      postgresLimiterMany: recorded(
        'tristack PostgresRateLimiter sliding window, 10k keys',
        warmup,
        (index) => postgresLimiter.limit(`k${index % DISTINCT_KEYS}`),
      ),
      flexiblePostgresMany: recorded('rate-limiter-flexible RateLimiterPostgres, 10k keys', warmup, (index) =>
        flexible.consume(`k${index % DISTINCT_KEYS}`),
      ),
      redisLimiter: recorded('tristack RedisRateLimiter sliding window, hot key', warmup, () =>
        redisLimiter.limit('hot'),
      ),
      postgresQueue: recorded('tristack PostgresJobQueue: enqueue → result()', warmup, async (index) => {
        const outcome = await postgresQueue.result(await postgresQueue.enqueue('tools', { index }));
        if (outcome.status !== 'completed' || outcome.value !== index) throw new Error('wrong result');
      }),
      pgBoss: recorded('pg-boss 10: send → handler ran', warmup, async (index) => {
        const done = new Promise<void>((resolve) => bossWaiters.set(index, resolve));
        await boss.send('tools', { index });
        await done;
        bossWaiters.delete(index);
      }),
      redisQueue: recorded('tristack RedisJobQueue: enqueue → result()', warmup, async (index) => {
        const outcome = await redisQueue.result(await redisQueue.enqueue('tools', { index }));
        if (outcome.status !== 'completed' || outcome.value !== index) throw new Error('wrong result');
      }),
      bullmq: recorded('bullmq: add → waitUntilFinished()', warmup, async (index) => {
        const job = await bullQueue.add('tool', { index });
        if ((await job.waitUntilFinished(bullEvents)) !== index) throw new Error('wrong result');
      }),
    };
    return {
      cases: Object.values(rows).map((row) => row.benchCase),
      cleanup: async () => {
        type Name = keyof typeof rows;
        const result = Object.fromEntries(
          Object.entries(rows).map(([name, row]) => [name, row.result()]),
        ) as Record<Name, Measurement>;
        console.log(`\n## postgres ratios (concurrency ${context.options.concurrency}, this run)`);
        const ratios: [Name, Name][] = [
          ['postgresLimiter', 'flexiblePostgres'],
          ['postgresLimiterMany', 'flexiblePostgresMany'],
          ['postgresLimiter', 'redisLimiter'],
          ['postgresLimiter', 'floorPg'],
          ['postgresQueue', 'pgBoss'],
          ['postgresQueue', 'redisQueue'],
          ['postgresQueue', 'bullmq'],
        ];
        for (const [ours, other] of ratios) {
          const throughput = result[ours].opsPerSecond / result[other].opsPerSecond;
          const p50 = result[ours].p50Ms / result[other].p50Ms;
          console.log(
            `${throughput.toFixed(2).padStart(6)}x ops/s, ${p50.toFixed(2).padStart(6)}x p50  ${result[ours].name} / ${result[other].name}`,
          );
        }
        await boss.stop({ graceful: false, wait: true });
        await postgresQueue.close();
        await redisQueue.close();
        await bullWorker.close();
        await bullEvents.close();
        await bullQueue.close();
        await pool.end();
        await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
        await admin.end();
        await source.release();
        await context.client.flushDb();
      },
    };
  },
};
