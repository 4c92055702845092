import type { AuditEvent, AuditQuery } from '@tristack/core';
import {
  type CliCommand,
  type CliContext,
  UsageError,
  parseCount,
  timeRange,
  tableFor,
  timeRangeOptions,
} from '../command.js';
import { describeEvent, styleLayer, styleOutcome } from '../describe-event.js';
import { formatTime, visibleLength } from '../output.js';
import { auditLogOf } from './audit-log-of.js';

type TrailKind = 'conversation' | 'user' | 'run' | 'type';
const filterOf: Record<TrailKind, keyof AuditQuery> = {
  conversation: 'conversationId',
  user: 'userId',
  run: 'runId',
  type: 'type',
};

const HEADER = ['TIME', 'SEQ', 'LAYER', 'TYPE', 'ACTOR', 'OUTCOME', 'DETAIL'];

function row(event: AuditEvent, context: CliContext): string[] {
  const summary = describeEvent(event);
  return [
    formatTime(event.timestamp),
    String(event.sequence),
    styleLayer(event.layer, context.style),
    event.type,
    summary.actor,
    styleOutcome(summary.outcome, context.style),
    summary.detail,
  ];
}

/** Renders events as a table (the trail's text output). */
export function renderTrail(events: AuditEvent[], context: CliContext): string {
  return tableFor(
    context,
    HEADER,
    events.map((event) => row(event, context)),
  );
}

// A tail cannot measure its rows in advance: fixed widths keep the columns mostly aligned.
const FOLLOW_WIDTHS = [24, 6, 13, 29, 12, 12];

function followLine(cells: string[]): string {
  return cells
    .map((cell, column) => {
      const width = FOLLOW_WIDTHS[column];
      return width === undefined ? cell : cell + ' '.repeat(Math.max(0, width - visibleLength(cell)));
    })
    .join('  ');
}

async function follow(context: CliContext, query: AuditQuery): Promise<number> {
  const log = await auditLogOf(context);
  if (!context.json) context.err(context.style.dim(`following ${context.tenantId} — Ctrl-C to stop\n`));
  for await (const event of log.follow(query, { signal: context.signal })) {
    if (context.json) context.out(`${JSON.stringify(event)}\n`);
    else context.out(`${followLine(row(event, context))}\n`);
  }
  return 0;
}

function trailCommand(kind: TrailKind): CliCommand {
  return {
    path: ['audit', kind],
    usage: `<${kind === 'type' ? 'event-type' : `${kind}-id`}>`,
    summary: `the audit trail of one ${kind === 'type' ? 'event type' : kind}: time, layer, actor, outcome`,
    options: {
      limit: { type: 'string', value: 'n', description: 'events per page (default 50, at most 1000)' },
      cursor: { type: 'string', value: 'cursor', description: 'continue after a previous page' },
      ...timeRangeOptions,
      order: { type: 'string', value: 'asc|desc', description: 'oldest first (default) or newest first' },
      layer: { type: 'string', value: 'layer', description: 'only orchestration, tool or state events' },
      ...(kind === 'type'
        ? {}
        : { type: { type: 'string' as const, value: 'type', description: 'only events of this type' } }),
      follow: { type: 'boolean', short: 'f', description: 'keep printing new events as they are recorded' },
    },
    async run(context) {
      const [id] = context.args;
      if (!id || context.args.length > 1)
        throw new UsageError(
          `audit ${kind} takes exactly one ${kind === 'type' ? 'event type' : `${kind} id`}`,
        );
      const { options } = context;
      const order = options['order'] ?? 'asc';
      if (order !== 'asc' && order !== 'desc') throw new UsageError('--order: asc or desc');
      const query: AuditQuery = {
        tenantId: context.tenantId,
        [filterOf[kind]]: id,
        limit: parseCount(options['limit'], 'limit', 50),
        order,
        ...(typeof options['cursor'] === 'string' ? { cursor: options['cursor'] } : {}),
        ...timeRange(options),
        ...(typeof options['type'] === 'string' ? { type: options['type'] } : {}),
        ...(typeof options['layer'] === 'string' ? { layer: options['layer'] as AuditQuery['layer'] } : {}),
      };
      if (options['follow']) return follow(context, query);
      const log = await auditLogOf(context);
      const page = await log.query(query);
      if (context.json) {
        context.out(
          `${JSON.stringify({ tenantId: context.tenantId, [filterOf[kind]]: id, events: page.events, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) }, null, 2)}\n`,
        );
        return 0;
      }
      if (page.events.length === 0) {
        context.out(`no audit events for ${kind} ${id} in tenant ${context.tenantId}\n`);
        return 0;
      }
      context.out(renderTrail(page.events, context));
      if (page.nextCursor) context.err(context.style.dim(`more: add --cursor ${page.nextCursor}\n`));
      return 0;
    },
  };
}

export const auditTrailCommands: CliCommand[] = (['conversation', 'user', 'run', 'type'] as const).map(
  trailCommand,
);
