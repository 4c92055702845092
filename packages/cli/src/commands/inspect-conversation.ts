import type {
  AuditEvent,
  ConversationLeaseInspector,
  ConversationMemory,
  ConversationSummary,
  StoredMessage,
} from '@tristack/core';
import { type CliCommand, type CliContext, UsageError, parseCount, tableFor } from '../command.js';
import { formatDuration, formatTime, oneLine } from '../output.js';
import { escapeControl, jsonText } from '../terminal-text.js';
import { auditLogOf } from './audit-log-of.js';
import { renderTrail, runsLine } from './audit-trail.js';

interface LeaseState {
  resource: string;
  held: boolean;
  holderId?: string;
  fencingToken?: number;
  ttlMs?: number;
}

async function leaseInspectorOf(context: CliContext): Promise<ConversationLeaseInspector> {
  if (context.postgres) {
    const { PostgresConversationLeaseInspector } = await import('@tristack/postgres');
    return new PostgresConversationLeaseInspector({ pool: await context.postgres(), schema: context.prefix });
  }
  const { RedisConversationLeaseInspector } = await import('@tristack/redis');
  return new RedisConversationLeaseInspector({ client: await context.redis(), prefix: context.prefix });
}

async function memoryOf(context: CliContext): Promise<ConversationMemory> {
  if (context.postgres) {
    const { PostgresConversationMemory } = await import('@tristack/postgres');
    return new PostgresConversationMemory({ pool: await context.postgres(), schema: context.prefix });
  }
  const { RedisConversationMemory } = await import('@tristack/redis');
  return new RedisConversationMemory({ client: await context.redis(), prefix: context.prefix });
}

/** The lease of the conversation, as the driver's read-only inspector reports it. */
async function readLease(context: CliContext, resource: string): Promise<LeaseState> {
  const inspector = await leaseInspectorOf(context);
  const holder = await inspector.holder(resource);
  if (!holder) return { resource, held: false };
  return {
    resource,
    held: true,
    holderId: holder.holderId,
    fencingToken: holder.fencingToken,
    ...(holder.expiresInMs !== undefined ? { ttlMs: holder.expiresInMs } : {}),
  };
}

function messageText(message: StoredMessage): string {
  const content =
    typeof message.content === 'string'
      ? message.content
      : message.content
          .map((block) => (typeof block['text'] === 'string' ? block['text'] : `[${block.type}]`))
          .join(' ');
  const calls = message.toolCalls?.length
    ? ` → ${message.toolCalls.map((call) => call.name).join(', ')}()`
    : '';
  // Stored text: `\x1b[2J` or an OSC title / hyperlink is shown, never sent to the terminal.
  return escapeControl(oneLine(content, 100) + calls);
}

export const inspectConversationCommand: CliCommand = {
  path: ['inspect', 'conversation'],
  usage: '<user-id> <conversation-id>',
  summary: "a conversation's live state: memory (messages, TTL left), lease holder, recent audit events",
  options: {
    messages: { type: 'string', value: 'n', description: 'last messages shown (default 20)' },
    events: { type: 'string', value: 'n', description: 'recent audit events shown (default 20)' },
    lease: {
      type: 'string',
      value: 'resource',
      description: 'lease resource of the conversation (default: the conversation id)',
    },
  },
  async run(context) {
    const [userId, conversationId, ...extra] = context.args;
    if (!userId || !conversationId || extra.length > 0)
      throw new UsageError('inspect conversation takes <user-id> <conversation-id>');
    const messageCount = parseCount(context.options['messages'], 'messages', 20);
    const eventCount = parseCount(context.options['events'], 'events', 20);
    const leaseResource =
      typeof context.options['lease'] === 'string' ? context.options['lease'] : conversationId;
    const tenant = context.options['tenant'] === undefined ? {} : { tenantId: context.tenantId };
    const memory = await memoryOf(context);
    const address = { ...tenant, userId, conversationId };
    const log = await auditLogOf(context);
    const [messages, summaries, lease, page] = await Promise.all([
      memory.read(address, { last: messageCount }),
      memory.listConversations({ ...tenant, userId }, { limit: 10_000 }),
      readLease(context, leaseResource),
      log.query({ tenantId: context.tenantId, userId, conversationId, order: 'desc', limit: eventCount }),
    ]);
    const summary: ConversationSummary | undefined = summaries.find(
      (entry) => entry.conversationId === conversationId,
    );
    const now = Date.now();
    const events: AuditEvent[] = page.events.reverse();
    if (context.json) {
      const memoryState = summary
        ? {
            messageCount: summary.messageCount,
            lastActivityAt: summary.lastActivityAt,
            expiresAt: summary.expiresAt,
            ttlMs: Math.max(0, summary.expiresAt - now),
          }
        : { messageCount: 0 };
      context.out(
        `${jsonText({ tenantId: context.tenantId, userId, conversationId, memory: { ...memoryState, messages }, lease, auditEvents: events }, 2)}\n`,
      );
      return 0;
    }
    const { style } = context;
    context.out(
      `${style.bold('conversation')} ${escapeControl(conversationId)} of user ${escapeControl(userId)}${tenant.tenantId ? ` (tenant ${escapeControl(tenant.tenantId)})` : ''}\n\n`,
    );
    context.out(style.bold('memory') + '\n');
    if (!summary) {
      context.out('  no messages (expired, cleared or never written)\n');
      // Which conversations the user does have: a misspelt id, or one kept under another tenant.
      const others = summaries.map((entry) => escapeControl(entry.conversationId));
      context.out(
        others.length > 0
          ? `  conversations of user ${escapeControl(userId)}${tenant.tenantId ? ` in tenant ${escapeControl(tenant.tenantId)}` : ''}: ${others.slice(0, 20).join(', ')}${others.length > 20 ? `, … (${others.length - 20} more)` : ''}\n`
          : `  user ${escapeControl(userId)} has no conversation in memory${tenant.tenantId ? ` in tenant ${escapeControl(tenant.tenantId)}` : ''}\n`,
      );
    } else {
      context.out(
        `  ${summary.messageCount} message${summary.messageCount === 1 ? '' : 's'}, last activity ${formatTime(summary.lastActivityAt)}, TTL left ${formatDuration(summary.expiresAt - now)}\n`,
      );
      context.out(
        tableFor(
          context,
          ['TIME', 'ROLE', 'TOKENS', 'CONTENT'],
          messages.map((message) => [
            formatTime(message.createdAt),
            escapeControl(message.role),
            String(message.tokenCount),
            messageText(message),
          ]),
        ).replace(/^(?=.)/gm, '  '),
      );
    }
    context.out(`\n${style.bold('lease')} ${escapeControl(lease.resource)}\n`);
    context.out(
      lease.held
        ? `  held by ${escapeControl(lease.holderId ?? '')}, fencing token ${lease.fencingToken}${lease.ttlMs !== undefined ? `, expires in ${formatDuration(lease.ttlMs)}` : ''}\n`
        : '  free\n',
    );
    context.out(`\n${style.bold('recent audit events')} (tenant ${escapeControl(context.tenantId)})\n`);
    if (events.length === 0) context.out('  none\n');
    else {
      context.out(renderTrail(events, context).replace(/^(?=.)/gm, '  '));
      const runs = runsLine(events);
      if (runs) context.out(context.style.dim(`  ${runs}`));
    }
    return 0;
  },
};
