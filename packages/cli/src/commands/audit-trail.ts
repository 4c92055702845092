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
import { escapeControl, jsonText } from '../terminal-text.js';
import { auditLogOf } from './audit-log-of.js';
import { knownTenants, tenantHint } from './tenant-hint.js';

type TrailKind = 'conversation' | 'user' | 'run' | 'type';
const filterOf: Record<Exclude<TrailKind, 'conversation'>, keyof AuditQuery> = {
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
    styleLayer(escapeControl(event.layer), context.style),
    escapeControl(event.type),
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
  if (!context.json)
    context.err(context.style.dim(`following ${escapeControl(context.tenantId)} — Ctrl-C to stop\n`));
  for await (const event of log.follow(query, { signal: context.signal })) {
    if (context.json) context.out(`${jsonText(event)}\n`);
    else context.out(`${followLine(row(event, context))}\n`);
  }
  return 0;
}

/**
 * The runs a page of events belongs to, in order of appearance, with their event counts: what to
 * pass to `audit run` (a `createAgent` run's id is minted by the middleware, so nobody typed it).
 */
export function runsLine(events: readonly AuditEvent[]): string | undefined {
  const counts = new Map<string, number>();
  let without = 0;
  for (const event of events) {
    if (event.runId) counts.set(event.runId, (counts.get(event.runId) ?? 0) + 1);
    else without += 1;
  }
  if (counts.size === 0) return undefined;
  const runs = [...counts].map(([runId, count]) => `${escapeControl(runId)} (${count})`);
  if (without > 0) runs.push(`no run id (${without})`);
  return `runs: ${runs.join(', ')} — see: tristack audit run <run-id>\n`;
}

/**
 * The query filter a trail's arguments name, and how its output names them. A conversation id is
 * per user (as in conversation memory), so `audit conversation` takes the user first.
 */
function trailFilter(kind: TrailKind, args: readonly string[]): { filter: AuditQuery; label: string } {
  if (kind === 'conversation') {
    const [userId, conversationId] = args;
    if (!userId || !conversationId || args.length > 2)
      throw new UsageError('audit conversation takes <user-id> <conversation-id>');
    return {
      filter: { userId, conversationId },
      label: `conversation ${escapeControl(conversationId)} of user ${escapeControl(userId)}`,
    };
  }
  const [id] = args;
  if (!id || args.length > 1)
    throw new UsageError(`audit ${kind} takes exactly one ${kind === 'type' ? 'event type' : `${kind} id`}`);
  return { filter: { [filterOf[kind]]: id }, label: `${kind} ${escapeControl(id)}` };
}

function trailCommand(kind: TrailKind): CliCommand {
  return {
    path: ['audit', kind],
    usage:
      kind === 'conversation'
        ? '<user-id> <conversation-id>'
        : `<${kind === 'type' ? 'event-type' : `${kind}-id`}>`,
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
      const { filter, label } = trailFilter(kind, context.args);
      const { options } = context;
      const order = options['order'] ?? 'asc';
      if (order !== 'asc' && order !== 'desc') throw new UsageError('--order: asc or desc');
      const query: AuditQuery = {
        tenantId: context.tenantId,
        ...filter,
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
      // Nothing found in a tenant that has no chain at all: the tenant is the mistake, say so.
      const missingTenant =
        page.events.length === 0 && !(await knownTenants(context)).tenants.includes(context.tenantId);
      if (context.json) {
        context.out(
          `${jsonText({ tenantId: context.tenantId, ...filter, events: page.events, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) }, 2)}\n`,
        );
        if (missingTenant) context.err(await tenantHint(context, context.tenantId));
        return missingTenant ? 1 : 0;
      }
      if (page.events.length === 0) {
        context.out(`no audit events for ${label} in tenant ${escapeControl(context.tenantId)}\n`);
        if (missingTenant) context.err(await tenantHint(context, context.tenantId));
        return missingTenant ? 1 : 0;
      }
      context.out(renderTrail(page.events, context));
      const runs = kind === 'run' ? undefined : runsLine(page.events);
      if (runs) context.out(context.style.dim(runs));
      if (page.nextCursor)
        context.err(context.style.dim(`more: add --cursor ${escapeControl(page.nextCursor)}\n`));
      return 0;
    },
  };
}

export const auditTrailCommands: CliCommand[] = (['conversation', 'user', 'run', 'type'] as const).map(
  trailCommand,
);
