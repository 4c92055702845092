import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { AuditQuery } from '@tristack/core';
import { type CliCommand, UsageError, timeRange, timeRangeOptions } from '../command.js';
import { escapeControl, safeJson } from '../terminal-text.js';
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
    conversation: { type: 'string', value: 'id', description: 'only this conversation of --user' },
    user: { type: 'string', value: 'id', description: 'only this user' },
    run: { type: 'string', value: 'id', description: 'only this run' },
    type: { type: 'string', value: 'type', description: 'only this event type' },
  },
  async run(context) {
    if (context.args.length > 1) throw new UsageError('audit export takes at most one tenant');
    const tenantId = context.args[0] ?? context.tenantId;
    const { options } = context;
    // Conversation ids are per user: two users may both have a conversation '1'.
    if (typeof options['conversation'] === 'string' && typeof options['user'] !== 'string')
      throw new UsageError('--conversation needs --user: a conversation id is per user');
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
    const { exportAuditJsonLines } = await import('@tristack/core');
    const file = typeof options['output'] === 'string' ? createWriteStream(options['output']) : undefined;
    // Progress goes to stderr, and only on a terminal: it never mixes with the exported lines.
    const progress = context.io.stderr.isTTY === true;
    let count = 0;
    try {
      for await (const json of exportAuditJsonLines(log, query)) {
        if (context.signal.aborted) break;
        // Same events once parsed (the chain hashes still verify), but no raw C1 or U+2028.
        const line = safeJson(json);
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
        `exported ${count} events of tenant ${escapeControl(tenantId)}${file ? ` to ${escapeControl(String(options['output']))}` : ''}\n`,
      );
    return 0;
  },
};
