// Job queues with hostile queue names, tenant ids and idempotency keys: distinct ids give
// distinct jobs, each job reads back its own name, tenant, key and payload.
import type { JobEnqueueOptions, JobQueue } from '@tristack/core';
import type { FuzzCase, FuzzDriverFactory, FuzzTarget } from '../fuzz-target.js';
import { hostileIds } from '../hostile-ids.js';
import { IdentityTally, inChunks } from '../identity-tally.js';

interface QueueDimension {
  api: string;
  name(id: string): string;
  options(id: string): JobEnqueueOptions;
  /** A second enqueue of the same id must return the same job (idempotency keys). */
  idempotent?: boolean;
}

async function fuzzQueue<Client>(
  target: FuzzTarget<Client>,
  create: FuzzDriverFactory<JobQueue, Client>,
  dimension: QueueDimension,
): Promise<IdentityTally> {
  const queue = await create(target, dimension.api);
  const tally = new IdentityTally(dimension.api);
  const ids = hostileIds(dimension.api, target.count);
  const jobs = new Map<number, string>();
  try {
    // A job that shares every idempotency key's text but has no tenant or another name: no id may land on it.
    const bystander = await queue.enqueue('fuzz', { marker: -1 }, { idempotencyKey: 'shared-key' });
    await inChunks(ids, target.concurrency, async (id, index) => {
      let jobId = '';
      const outcome = await tally.attempt(id, async () => {
        jobId = await queue.enqueue(dimension.name(id), { marker: index }, dimension.options(id));
      });
      if (outcome === 'accepted') jobs.set(index, jobId);
    });
    const owners = new Map<string, number>();
    for (const [index, jobId] of jobs) {
      const other = owners.get(jobId);
      if (other !== undefined || jobId === bystander)
        tally.collision(
          ids[index]!,
          `got the job of ${other === undefined ? 'the bystander' : JSON.stringify(ids[other])}`,
        );
      owners.set(jobId, index);
    }
    await inChunks([...jobs], target.concurrency, async ([index, jobId]) => {
      const id = ids[index]!;
      const options = dimension.options(id);
      const job = await tally.check(id, () => queue.getJob(jobId));
      if (
        job &&
        (job.name !== dimension.name(id) ||
          job.tenantId !== options.tenantId ||
          job.idempotencyKey !== options.idempotencyKey ||
          JSON.stringify(job.payload) !== JSON.stringify({ marker: index }))
      )
        tally.collision(
          id,
          `job reads ${JSON.stringify({ name: job.name, tenantId: job.tenantId, key: job.idempotencyKey, payload: job.payload })}`,
        );
      if (dimension.idempotent) {
        const again = await tally.check(id, () => queue.enqueue(dimension.name(id), { marker: -2 }, options));
        if (again !== undefined && again !== jobId)
          tally.collision(id, 'a repeated enqueue made another job');
      }
    });
    // One job per queue name: no name counts another's jobs.
    const names = new Set([...jobs.keys()].map((index) => dimension.name(ids[index]!)));
    if (names.size === jobs.size)
      await inChunks([...jobs.keys()], target.concurrency, async (index) => {
        const id = ids[index]!;
        const stats = await tally.check(id, () => queue.stats(dimension.name(id)));
        if (stats && stats.waiting !== 1) tally.collision(id, `stats: ${stats.waiting} waiting jobs`);
      });
  } finally {
    await queue.close();
  }
  return tally;
}

/** The job queue's id-taking APIs, fuzzed on the drivers `create` builds. */
export const jobQueueFuzzCase =
  <Client>(create: FuzzDriverFactory<JobQueue, Client>): FuzzCase<Client> =>
  async (target) => [
    await fuzzQueue(target, create, { api: 'queue name', name: (id) => id, options: () => ({}) }),
    // Every tenant reuses one idempotency key: each must get its own job (issue 16, crossing 5).
    await fuzzQueue(target, create, {
      api: 'queue tenantId (+ shared idempotency key)',
      name: () => 'fuzz',
      options: (id) => ({ tenantId: id, idempotencyKey: 'shared-key' }),
      idempotent: true,
    }),
    await fuzzQueue(target, create, {
      api: 'queue idempotencyKey',
      name: () => 'fuzz',
      options: (id) => ({ idempotencyKey: id }),
      idempotent: true,
    }),
    await fuzzQueue(target, create, {
      api: 'queue idempotencyKey in a tenant',
      name: () => 'fuzz',
      options: (id) => ({ tenantId: 'shared-key', idempotencyKey: id }),
      idempotent: true,
    }),
  ];
