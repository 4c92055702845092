import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { exportAuditJsonLines, type AuditQuery } from '@tristack/core';
import { type CliCommand, UsageError, timeRange, timeRangeOptions } from '../command.js';
import { auditLogOf } from './audit-log-of.js';

const PROGRESS_EVERY = 1000;

export const auditExportCommand: CliCommand = {
  path: ['audit', 'export'],
  usage: '[tenant]',
  summary: "write a tenant's events as JSON Lines (with their chain hashes), to stdout or --output",
  options: {
    output: {
      type: 'string',
      short: 'o',
      value: 'file',
      description: 'write to this file instead of stdout',
    },
    ...timeRangeOptions,
    conversation: { type: 'string', value: 'id', description: 'only this conversation' },
    user: { type: 'string', value: 'id', description: 'only this user' },
    run: { type: 'string', value: 'id', description: 'only this run' },
    type: { type: 'string', value: 'type', description: 'only this event type' },
  },
  async run(context) {
    if (context.args.length > 1) throw new UsageError('audit export takes at most one tenant');
    const tenantId = context.args[0] ?? context.tenantId;
    const { options } = context;
    const query: AuditQuery = {
      tenantId,
      limit: 1000,
      ...timeRange(options),
      ...(typeof options['conversation'] === 'string' ? { conversationId: options['conversation'] } : {}),
      ...(typeof options['user'] === 'string' ? { userId: options['user'] } : {}),
      ...(typeof options['run'] === 'string' ? { runId: options['run'] } : {}),
      ...(typeof options['type'] === 'string' ? { type: options['type'] } : {}),
    };
    const log = await auditLogOf(context);
    const file = typeof options['output'] === 'string' ? createWriteStream(options['output']) : undefined;
    // Progress goes to stderr, and only on a terminal: it never mixes with the exported lines.
    const progress = context.io.stderr.isTTY === true;
    let count = 0;
    try {
      for await (const line of exportAuditJsonLines(log, query)) {
        if (context.signal.aborted) break;
        if (file) {
          if (!file.write(line)) await once(file, 'drain');
        } else context.out(line);
        count += 1;
        if (progress && count % PROGRESS_EVERY === 0) context.err(`\rexported ${count} events…`);
      }
    } finally {
      if (file) {
        file.end();
        await once(file, 'close');
      }
    }
    if (progress) context.err(`\r`);
    if (file || progress)
      context.err(
        `exported ${count} events of tenant ${tenantId}${file ? ` to ${options['output']}` : ''}\n`,
      );
    return 0;
  },
};
