import type { JobWorker } from '@tristack/core';
import { RedisJobQueue, type RedisClientInput } from '@tristack/redis';

/** A slow tool call off the request path: any worker runs it, the caller awaits the result. */
export async function backgroundTool(client: RedisClientInput, run: (url: string) => Promise<string>) {
  const queue = new RedisJobQueue({ client });
  const worker: JobWorker = await queue.process<{ url: string }, string>(
    'scrape',
    (job) => run(job.payload.url),
    {
      concurrency: 2,
    },
  );
  return {
    async call(url: string): Promise<string> {
      const jobId = await queue.enqueue('scrape', { url }, { maxAttempts: 3 });
      const outcome = await queue.result<string>(jobId, { timeoutMs: 10_000 });
      if (outcome.status !== 'completed') throw new Error(`scrape ${outcome.status}`);
      return outcome.value;
    },
    close: async () => {
      await worker.close();
      await queue.close();
    },
  };
}
