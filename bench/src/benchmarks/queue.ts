import { RedisJobQueue } from '@tristack/redis';
import { Queue, QueueEvents, Worker } from 'bullmq';
import type { Benchmark } from '../benchmark.js';

const WORKER_CONCURRENCY = 50;

/**
 * One job per operation, from enqueue to its result seen by the producer through Redis (not
 * in-process): ops/s is jobs/s through enqueue + process + ack with one worker of concurrency 50;
 * p50/p99 are enqueue→completed latencies. Run with `--concurrency 50` or more to keep the worker
 * busy. Both libraries run on node-redis against the same server, one after the other.
 */
export const queueBenchmark: Benchmark = {
  name: 'queue',
  description: `enqueue → completed, one worker of concurrency ${WORKER_CONCURRENCY} (Tristack RedisJobQueue vs BullMQ)`,
  async setup(context) {
    const tristack = new RedisJobQueue({ client: context.client, prefix: 'bench' });
    await tristack.process<{ index: number }, number>('tools', (job) => job.payload.index, {
      concurrency: WORKER_CONCURRENCY,
    });

    const connection = () => context.newClient();
    const bullQueue = new Queue('tools', { connection: await connection(), prefix: 'bench-bullmq' });
    const bullEvents = new QueueEvents('tools', { connection: await connection(), prefix: 'bench-bullmq' });
    const bullWorker = new Worker('tools', async (job) => (job.data as { index: number }).index, {
      connection: await connection(),
      prefix: 'bench-bullmq',
      concurrency: WORKER_CONCURRENCY,
    });
    await Promise.all([bullQueue.waitUntilReady(), bullEvents.waitUntilReady(), bullWorker.waitUntilReady()]);
    // waitUntilFinished() adds listeners per job in flight: not a leak at 50 in flight.
    bullQueue.setMaxListeners(0);
    bullEvents.setMaxListeners(0);

    return {
      cases: [
        {
          name: 'tristack RedisJobQueue: enqueue → result()',
          run: async (index) => {
            const outcome = await tristack.result(await tristack.enqueue('tools', { index }));
            if (outcome.status !== 'completed' || outcome.value !== index) throw new Error('wrong result');
          },
        },
        {
          name: 'bullmq 6.7: add → waitUntilFinished()',
          run: async (index) => {
            const job = await bullQueue.add('tool', { index });
            if ((await job.waitUntilFinished(bullEvents)) !== index) throw new Error('wrong result');
          },
        },
      ],
      cleanup: async () => {
        await tristack.close();
        await bullWorker.close();
        await bullEvents.close();
        await bullQueue.close();
        await context.client.flushDb();
      },
    };
  },
};
