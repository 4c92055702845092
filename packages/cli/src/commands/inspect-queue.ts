import { RedisJobQueue } from '@tristack/redis/queue';
import { type CliCommand, UsageError, parseCount, tableFor } from '../command.js';
import { formatTime, oneLine } from '../output.js';

export const inspectQueueCommand: CliCommand = {
  path: ['inspect', 'queue'],
  usage: '<queue-name>',
  summary:
    "a job queue's live counts (waiting, active, delayed, failed, dead, completed) and its oldest dead letters",
  options: {
    dead: { type: 'string', value: 'n', description: 'dead letters shown (default 20)' },
  },
  async run(context) {
    const [name, ...extra] = context.args;
    if (!name || extra.length > 0) throw new UsageError('inspect queue takes exactly one queue name');
    const limit = parseCount(context.options['dead'], 'dead', 20);
    // Only read-only calls: stats and deadLetters start no worker and no listener.
    const queue = new RedisJobQueue({ client: await context.redis(), prefix: context.prefix });
    try {
      const [stats, deadLetters] = await Promise.all([queue.stats(name), queue.deadLetters(name, { limit })]);
      if (context.json) {
        context.out(`${JSON.stringify({ queue: name, stats, deadLetters }, null, 2)}\n`);
        return 0;
      }
      const { style } = context;
      context.out(`${style.bold('queue')} ${name}\n`);
      context.out(
        tableFor(
          context,
          ['WAITING', 'ACTIVE', 'DELAYED', 'FAILED', 'DEAD', 'COMPLETED'],
          [
            [
              String(stats.waiting),
              String(stats.active),
              String(stats.delayed),
              stats.failed ? style.yellow(String(stats.failed)) : '0',
              stats.dead ? style.red(String(stats.dead)) : '0',
              String(stats.completed),
            ],
          ],
        ),
      );
      if (deadLetters.length > 0) {
        context.out(`\n${style.bold('dead letters')} (oldest first)\n`);
        context.out(
          tableFor(
            context,
            ['FAILED AT', 'JOB', 'ATTEMPTS', 'ERROR'],
            deadLetters.map((letter) => [
              formatTime(letter.failedAt),
              letter.jobId,
              String(letter.attempts),
              oneLine(letter.error, 100),
            ]),
          ),
        );
      }
      return 0;
    } finally {
      await queue.close();
    }
  },
};
