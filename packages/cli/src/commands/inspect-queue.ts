import type { JobQueueInspector, QueueStats } from '@tristack/core';
import { type CliCommand, type CliContext, UsageError, parseCount, tableFor } from '../command.js';
import { discoveryOptionsOf, scanLimitOption, undecodableKeyLabel } from '../discovery.js';
import { formatTime, oneLine } from '../output.js';
import { escapeControl, jsonText } from '../terminal-text.js';

const COUNT_HEADER = ['WAITING', 'ACTIVE', 'DELAYED', 'FAILED', 'DEAD', 'COMPLETED'];

function countCells(context: CliContext, stats: QueueStats): string[] {
  const { style } = context;
  return [
    String(stats.waiting),
    String(stats.active),
    String(stats.delayed),
    stats.failed ? style.yellow(String(stats.failed)) : '0',
    stats.dead ? style.red(String(stats.dead)) : '0',
    String(stats.completed),
  ];
}

/** Every queue the store holds, with its counts. */
async function listQueues(context: CliContext, inspector: JobQueueInspector): Promise<number> {
  const { found, undecodable, truncated } = await inspector.queues(discoveryOptionsOf(context));
  const queues = await Promise.all(
    found.map(async (name) => ({ queue: name, stats: await inspector.stats(name) })),
  );
  if (context.json) {
    const state = { queues, ...(undecodable.length > 0 ? { undecodableKeys: undecodable } : {}), truncated };
    context.out(`${jsonText(state, 2)}\n`);
    return 0;
  }
  if (queues.length === 0 && undecodable.length === 0)
    context.out('no job queues (nothing was ever enqueued)\n');
  else
    context.out(
      tableFor(
        context,
        ['QUEUE', ...COUNT_HEADER],
        [
          ...queues.map(({ queue, stats }) => [escapeControl(queue), ...countCells(context, stats)]),
          ...undecodable.map((key) => [undecodableKeyLabel(key), ...COUNT_HEADER.map(() => '-')]),
        ],
      ),
    );
  if (truncated) context.err('tristack: stopped at --scan-limit queues; name the one you want\n');
  return 0;
}

/** The deployment's queue inspector; `close` lets go of what it opened. */
async function queueInspectorOf(
  context: CliContext,
): Promise<JobQueueInspector & { close(): Promise<void> }> {
  if (context.postgres) {
    const { PostgresJobQueue } = await import('@tristack/postgres');
    const queue = new PostgresJobQueue({ pool: await context.postgres(), schema: context.prefix });
    return { ...queue.inspector(), close: () => queue.close() };
  }
  const { RedisJobQueueInspector } = await import('@tristack/redis');
  return new RedisJobQueueInspector({ client: await context.redis(), prefix: context.prefix });
}

export const inspectQueueCommand: CliCommand = {
  path: ['inspect', 'queue'],
  usage: '[queue-name]',
  summary:
    "a job queue's live counts (waiting, active, delayed, failed, dead, completed) and its oldest dead letters; every queue's counts without a name",
  options: {
    dead: { type: 'string', value: 'n', description: 'dead letters shown (default 20)' },
    ...scanLimitOption,
  },
  async run(context) {
    const [name, ...extra] = context.args;
    if (extra.length > 0) throw new UsageError('inspect queue takes at most one queue name');
    const limit = parseCount(context.options['dead'], 'dead', 20);
    // Only read-only calls: they start no worker and no listener.
    const inspector = await queueInspectorOf(context);
    try {
      if (name === undefined) return await listQueues(context, inspector);
      // A misspelt name would read as an empty queue (all zeros): say it is not there instead.
      const { found, truncated } = await inspector.queues(discoveryOptionsOf(context));
      if (!truncated && !found.includes(name)) {
        const known =
          found.length > 0 ? found.map(escapeControl).join(', ') : 'none (nothing was ever enqueued)';
        context.err(`tristack: queue not found: ${escapeControl(name)}\nqueues: ${known}\n`);
        return 1;
      }
      const [stats, deadLetters] = await Promise.all([
        inspector.stats(name),
        inspector.deadLetters(name, { limit }),
      ]);
      if (context.json) {
        context.out(`${jsonText({ queue: name, stats, deadLetters }, 2)}\n`);
        return 0;
      }
      const { style } = context;
      context.out(`${style.bold('queue')} ${escapeControl(name)}\n`);
      context.out(tableFor(context, COUNT_HEADER, [countCells(context, stats)]));
      if (deadLetters.length > 0) {
        context.out(`\n${style.bold('dead letters')} (oldest first)\n`);
        context.out(
          tableFor(
            context,
            ['FAILED AT', 'JOB', 'ATTEMPTS', 'ERROR'],
            deadLetters.map((letter) => [
              formatTime(letter.failedAt),
              escapeControl(letter.jobId),
              String(letter.attempts),
              escapeControl(oneLine(letter.error, 100)),
            ]),
          ),
        );
      }
      return 0;
    } finally {
      await inspector.close();
    }
  },
};
