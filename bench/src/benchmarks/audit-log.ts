import { performance } from 'node:perf_hooks';
import { RedisAuditLog } from '@tristack/redis/audit-log';
import { recordingConnection } from '@tristack/testing/redis';
import type { Benchmark } from '../benchmark.js';
import type { Case } from '../runner.js';

const DATA = {
  tool: 'Gmail.ListEmails',
  toolVersion: '2.0.1',
  executionId: 'te_2x8k',
  durationMs: 1420,
  outcome: 'success',
  arguments: { n_emails: 5, query: 'from:manager is:unread' },
} as const;

/** Counts a case's measured calls (indexes from `warmup` on) and their wall time, for the ratio. */
function counted(name: string, warmup: number, run: (index: number) => Promise<unknown>) {
  let count = 0;
  let first = 0;
  let last = 0;
  const benchCase: Case = {
    name,
    run: async (index) => {
      if (index < warmup) return run(index);
      if (count === 0) first = performance.now();
      await run(index);
      count += 1;
      last = performance.now();
    },
  };
  return { benchCase, opsPerSecond: () => count / ((last - first) / 1000) };
}

/**
 * `RedisAuditLog.record` with the hash chain on (one script: server time, SHA-1 link, XADD, head,
 * secondary indexes), side by side with a plain XADD of the same fields, in one run against one
 * server. Run it at the concurrency: `pnpm bench audit-log --concurrency 50`.
 */
export const auditLogBenchmark: Benchmark = {
  name: 'audit-log',
  description: 'record() with the per-tenant hash chain vs a plain XADD of the same event',
  async setup(context) {
    await context.client.flushDb();
    const warmup = context.options.warmup;
    const dataJson = JSON.stringify(DATA);
    const typeOnly = recordingConnection(context.client);
    const minimal = new RedisAuditLog({ client: typeOnly, prefix: 'bench' });
    const indexed = new RedisAuditLog({ client: context.client, prefix: 'bench' });
    const rows = [
      counted('plain XADD (same fields, no chain, no index)', warmup, () =>
        context.client.sendCommand([
          'XADD',
          'bench:plain-xadd',
          '*',
          'layer',
          'tool',
          'type',
          'tool.call.executed',
          'user',
          'alice',
          'data',
          dataJson,
        ]),
      ),
      counted('tristack RedisAuditLog.record, chain + type index', warmup, () =>
        minimal.record({ type: 'tool.call.executed', tenantId: 'bench-a', data: DATA }),
      ),
      counted(
        'tristack RedisAuditLog.record, chain + 4 indexes (user, conversation, run, type)',
        warmup,
        (index) =>
          indexed.record({
            type: 'tool.call.executed',
            tenantId: 'bench-b',
            userId: `user-${index % 100}`,
            conversationId: `conversation-${index % 1000}`,
            runId: `run-${index % 5000}`,
            data: DATA,
          }),
      ),
    ];
    return {
      cases: rows.map((row) => row.benchCase),
      cleanup: async () => {
        const calls = warmup + context.options.operations;
        console.log(
          `round trips per record: ${(typeOnly.commands.length / calls).toFixed(4)} (${typeOnly.commands.length} commands for ${calls} records)`,
        );
        const verified = await minimal.verify('bench-a');
        console.log(
          `chain after the run: ${verified.valid ? 'valid' : 'BROKEN'}, ${verified.checked} entries`,
        );
        const base = rows[0]!.opsPerSecond();
        for (const row of rows)
          console.log(
            `ops/s vs plain XADD: ${(row.opsPerSecond() / base).toFixed(2)}x  ${row.benchCase.name}`,
          );
        if (context.options.concurrency !== 50)
          console.log(
            `(the issue's figure is at concurrency 50; this run used ${context.options.concurrency})`,
          );
        await context.client.flushDb();
      },
    };
  },
};
