import { RedisAuditLog } from '@tristack/redis';
import { recordingConnection } from '@tristack/testing/redis';
import type { Benchmark } from '../benchmark.js';
import { countedCase as counted } from '../counted-case.js';
import { formatCommands, serverCommandsPerCall } from '../server-commands.js';

const DATA = {
  tool: 'Gmail.ListEmails',
  toolVersion: '2.0.1',
  executionId: 'te_2x8k',
  durationMs: 1420,
  outcome: 'success',
  arguments: { n_emails: 5, query: 'from:manager is:unread' },
} as const;

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
    // Server commands per call (INFO commandstats deltas), measured before the timed runs.
    const serverCommands: string[] = [];
    for (const row of rows)
      serverCommands.push(
        `${formatCommands(await serverCommandsPerCall(context.client, 200, (index) => row.run(1_000_000 + index)))}  ${row.benchCase.name}`,
      );
    typeOnly.clear();
    return {
      cases: rows.map((row) => row.benchCase),
      cleanup: async () => {
        for (const line of serverCommands) console.log(`server commands per call: ${line}`);
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
